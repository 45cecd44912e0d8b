using System.Diagnostics;
using Kt.TestSupport;

namespace Kt.Templates.Tests;

/// <summary>
/// A user who has never used .NET packages or templates on this machine: an empty CLI home (template cache, NuGet
/// config), an empty NuGet package folder, their own Docker config and KT_HOME, all in one temp folder.
/// </summary>
public sealed class FreshUser : IDisposable
{
    private readonly TempFolder _root = new("kt-user");

    public FreshUser()
    {
        Directory.CreateDirectory(Combine("cli-home"));
        Directory.CreateDirectory(Combine("nuget-packages"));
        Directory.CreateDirectory(Combine("docker-config"));
        // Empty Directory.* files stop MSBuild from looking further up for props of some other tree.
        _root.Write("work/Directory.Build.props", "<Project />");
        _root.Write("work/Directory.Build.targets", "<Project />");
    }

    /// <summary>Where the user's projects go.</summary>
    public string WorkFolder => Combine("work");

    public string NuGetPackages => Combine("nuget-packages");

    public string Combine(params string[] parts) => _root.Combine(parts);

    /// <summary>The user's environment: isolated homes and caches, none of the test host's MSBuild settings.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["DOTNET_CLI_HOME"] = Combine("cli-home"),
        ["NUGET_PACKAGES"] = NuGetPackages,
        ["DOCKER_CONFIG"] = Combine("docker-config"),
        ["KT_HOME"] = Combine("kt-home"),
    };

    public ProcessRunner.Result Dotnet(string folder, params string[] arguments) => RunDotnet(folder, Environment, arguments);

    /// <summary>Runs <paramref name="fileName"/> with the user's environment plus <paramref name="extra"/>.</summary>
    public ProcessRunner.Result Run(string fileName, IEnumerable<string> arguments, string folder, IReadOnlyDictionary<string, string>? extra = null) =>
        Start(fileName, arguments, folder, extra is null ? Environment : Environment.Concat(extra).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Last().Value));

    /// <summary>Runs dotnet with <paramref name="environment"/> (null: the machine's own caches and homes).</summary>
    public static ProcessRunner.Result RunDotnet(string folder, IReadOnlyDictionary<string, string>? environment, IEnumerable<string> arguments) =>
        Start("dotnet", arguments, folder, environment ?? new Dictionary<string, string>());

    private static ProcessRunner.Result Start(string fileName, IEnumerable<string> arguments, string folder, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        // No build server outlives the command (none may hold files of a temp folder about to be deleted).
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(8)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', start.ArgumentList)} did not finish in time");
        }

        return new ProcessRunner.Result(process.ExitCode, output.Result, error.Result);
    }

    public void Dispose() => _root.Dispose();
}
