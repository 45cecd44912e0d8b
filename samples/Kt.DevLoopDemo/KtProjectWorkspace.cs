using System.Diagnostics;
using System.Text.RegularExpressions;
using Kt.DevLoop.Backends;
using Kt.PodRuntime.Client;

namespace Kt.DevLoopDemo;

/// <summary>
/// A project made from the kt-project template in a temporary folder, restoring the Kt packages from a local feed,
/// with its own KT_HOME so that whatever it deploys is found (and removed) here. Shared by the demo and the benchmark.
/// </summary>
internal sealed partial class KtProjectWorkspace : IDisposable
{
    private KtProjectWorkspace(string root, string name)
    {
        Root = root;
        Name = name;
        ProjectDirectory = Path.Combine(root, name);
        Service = name.ToLowerInvariant();
    }

    public string Root { get; }

    public string Name { get; }

    public string ProjectDirectory { get; }

    public string Service { get; }

    public string FunctionsFile => Path.Combine(ProjectDirectory, "Functions.cs");

    /// <summary>Installs the template package of <paramref name="version"/> from <paramref name="packages"/> and creates the project.</summary>
    public static KtProjectWorkspace Create(string packages, string version, string name)
    {
        var root = Path.Combine(Path.GetTempPath(), "kt-loop-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        var workspace = new KtProjectWorkspace(root, name);
        // Everything this workspace deploys is recorded under its own KT_HOME (children inherit it).
        Environment.SetEnvironmentVariable("KT_HOME", Path.Combine(root, "kt-home"));
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="kt-local" value="{Path.GetFullPath(packages)}" />
              </packageSources>
            </configuration>
            """);
        // Stop MSBuild from looking above the temp folder for Directory.* files of some other tree.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />");
        var template = Path.Combine(Path.GetFullPath(packages), $"Kt.Templates.{version}.nupkg");
        // A previous version of the template is replaced (exit code ignored: there may be none).
        workspace.RunIn(root, "new", "uninstall", "Kt.Templates");
        workspace.RunIn(root, "new", "install", template).EnsureSuccess("dotnet new install");
        workspace.RunIn(root, "new", "kt-project", "-n", name, "-o", workspace.ProjectDirectory).EnsureSuccess("dotnet new kt-project");
        return workspace;
    }

    public RunResult Dotnet(params string[] arguments) => RunIn(ProjectDirectory, arguments);

    public RunResult Publish(params string[] extra) => Dotnet(["publish", "-p:KtDeploy=true", .. extra]);

    /// <summary>A plain incremental publish (no Kt deploy): the baseline Kt's share is measured against.</summary>
    public RunResult PublishOnly() => Dotnet("publish");

    /// <summary>Calls <c>Functions.Hello</c> on the first pod of the service, found the way a second deploy finds it.</summary>
    public async Task<string?> CallHelloAsync(string argument, string backend = ComputeBackends.Process)
    {
        using var compute = ComputeBackends.Create(backend);
        var pods = await compute.FindAsync(Service) ?? throw new InvalidOperationException($"service {Service} is not running on {backend}");
        using var client = new PodClient(pods.Pods[0].Address, pods.Pods[0].Token);
        return await client.CallAsync<string>($"{Name}.Functions", "Hello", [argument]);
    }

    /// <summary>Replaces the greeting format of Functions.Hello: the one-line edit of the loop.</summary>
    public void EditGreeting(string suffix)
    {
        var text = File.ReadAllText(FunctionsFile);
        var edited = GreetingLine().Replace(text, $"return $\"{{prefix}}, {{name}}!{suffix}\";", 1);
        if (edited == text)
        {
            throw new InvalidOperationException($"no greeting line to edit in {FunctionsFile}");
        }

        File.WriteAllText(FunctionsFile, edited);
    }

    /// <summary>Appends one KtSetup item to the csproj.</summary>
    public void AddSetupStep(string item)
    {
        var csproj = Path.Combine(ProjectDirectory, Name + ".csproj");
        var text = File.ReadAllText(csproj);
        const string anchor = "<KtSetup Include=\"env\" Name=\"GREETING_PREFIX\" Value=\"Hello\" />";
        File.WriteAllText(csproj, text.Replace(anchor, anchor + "\n    " + item, StringComparison.Ordinal));
    }

    public static IEnumerable<string> KtLines(RunResult result) =>
        result.Output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("kt: ", StringComparison.Ordinal));

    public void Dispose()
    {
        RunIn(Root, "build-server", "shutdown");
        using (var backend = ComputeBackends.Create(ComputeBackends.Process))
        {
            backend.TeardownAsync(Service).GetAwaiter().GetResult();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A build server may still hold a file; the folder is in the temp area.
        }
    }

    private RunResult RunIn(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key); // the build that runs this program must not steer the one it starts
        }

        // The SDK's defaults, as a developer has them: the compiler and MSBuild servers stay warm between publishes.
        // (CI machines often switch them off with these variables; Dispose shuts the servers down again.)
        start.Environment.Remove("UseSharedCompilation");
        start.Environment.Remove("DOTNET_CLI_USE_MSBUILD_SERVER");

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new RunResult(string.Join(' ', arguments), process.ExitCode, output.Result + error.Result, clock.Elapsed.TotalMilliseconds);
    }

    [GeneratedRegex("return \\$\"\\{prefix\\}, \\{name\\}![^\"]*\";")]
    private static partial Regex GreetingLine();
}

internal sealed record RunResult(string Command, int ExitCode, string Output, double Milliseconds)
{
    public RunResult EnsureSuccess(string what) => ExitCode == 0
        ? this
        : throw new InvalidOperationException($"{what} failed (exit {ExitCode}):\n{Output}");
}
