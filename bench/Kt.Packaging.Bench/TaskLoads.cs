using System.Diagnostics;
using System.Globalization;

namespace Kt.Bench;

/// <summary>
/// What an ordinary build makes MSBuild load from Kt.MSBuild's task folder, per scenario: a throw-away console project
/// restores the packed Kt.MSBuild from the packages folder (its own NuGet folder, offline) and runs
/// <c>dotnet publish -p:KtDeploy=true</c> on the process and the docker backends, then a file-only <c>-p:KtFreeze=true</c> from the
/// local registry's Debian image. The tasks write the assemblies of their load context to the file
/// <c>KT_LOADED_ASSEMBLIES</c> names; the baseline is every assembly the package's task folder holds.
/// </summary>
internal static class TaskLoads
{
    private const string RegistryBase = "127.0.0.1:5000/kt-test/debian:bookworm";

    // The local test image with what .NET needs to run (the docker backend mounts the host's .NET into it).
    private const string DockerBase = "kt-test/dotnet-deps:bookworm";

    public static IEnumerable<BenchFigure> Measure(string packages, string version)
    {
        var root = Path.Combine(Path.GetTempPath(), "kt-bench-loads-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        try
        {
            var project = CreateProject(root, packages, version);
            var environment = new Dictionary<string, string>
            {
                ["NUGET_PACKAGES"] = Path.Combine(root, "nuget"),
                ["KT_HOME"] = Path.Combine(root, "kt-home"),
            };
            Run(project, environment, "restore").EnsureSuccess("restore");
            var tasks = Directory.GetDirectories(Path.Combine(root, "nuget", "kt.msbuild"))
                .Select(v => Path.Combine(v, "tasks", "net10.0")).Single(Directory.Exists);
            var all = Directory.GetFiles(tasks, "*.dll").Select(f => new FileInfo(f)).ToList();
            var figures = new List<BenchFigure>();
            figures.AddRange(Scenario("deploy (process)", project, environment, all,
                ["publish", "-c", "Release", "-p:KtDeploy=true", "-p:KtCompute=process", $"-p:KtCacheDirectory={Path.Combine(root, "cache")}"],
                after: () => Run(project, environment, "build", "-c", "Release", "-t:KtTeardown")));
            figures.AddRange(Scenario("deploy (docker)", project, environment, all,
                ["publish", "-c", "Release", "-p:KtDeploy=true", "-p:KtCompute=docker", $"-p:KtBaseImage={DockerBase}", $"-p:KtCacheDirectory={Path.Combine(root, "cache")}"],
                after: () => Run(project, environment, "build", "-c", "Release", "-t:KtTeardown", "-p:KtCompute=docker", $"-p:KtBaseImage={DockerBase}")));
            figures.AddRange(Scenario("freeze (file-only)", project, environment, all,
                ["publish", "-c", "Release", "-p:KtFreeze=true", "-p:KtFreezeWithRuntime=false", $"-p:KtBaseImage={RegistryBase}",
                    "-p:ContainerRepository=kt-bench/loads", $"-p:KtCacheDirectory={Path.Combine(root, "cache")}"]));
            return figures;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static IEnumerable<BenchFigure> Scenario(string name, string project, Dictionary<string, string> environment,
        IReadOnlyList<FileInfo> all, string[] arguments, Func<Outcome>? after = null)
    {
        const double MB = 1024 * 1024;
        var report = Path.Combine(project, $"loaded-{Guid.NewGuid():N}.txt");
        var run = Run(project, new Dictionary<string, string>(environment) { ["KT_LOADED_ASSEMBLIES"] = report }, arguments);
        after?.Invoke();
        if (run.ExitCode != 0 || !File.Exists(report))
        {
            var reason = run.ExitCode != 0 ? $"dotnet {arguments[0]} exited {run.ExitCode}: {run.Tail}" : "the tasks wrote no report (a Kt.MSBuild older than the report)";
            yield return BenchFigure.NotMeasured($"Kt.MSBuild loaded assemblies, {name}", "count", "report", reason);
            yield break;
        }

        var loaded = File.ReadAllLines(report).Select(l => l.Split('\t')).Where(p => p.Length == 3)
            .Select(p => (Name: p[0], Bytes: long.Parse(p[1], CultureInfo.InvariantCulture))).ToList();
        var heavy = loaded.Where(a => a.Name.StartsWith("KubernetesClient", StringComparison.Ordinal) || a.Name.StartsWith("Docker.DotNet", StringComparison.Ordinal)
            || a.Name.StartsWith("YamlDotNet", StringComparison.Ordinal)).Select(a => a.Name).ToList();
        var note = heavy.Count == 0 ? "no Docker / Kubernetes assemblies loaded" : "loads " + string.Join(", ", heavy);
        yield return new BenchFigure($"Kt.MSBuild loaded assemblies, {name}", loaded.Count, "count", all.Count, loaded.Count / (double)all.Count, "report",
            null, $"baseline: assemblies in the package's task folder; {note}");
        yield return new BenchFigure($"Kt.MSBuild loaded bytes, {name}", loaded.Sum(a => a.Bytes) / MB, "MB", all.Sum(f => f.Length) / MB,
            loaded.Sum(a => a.Bytes) / (double)all.Sum(f => f.Length), "report", null,
            "loaded: " + string.Join(" ", loaded.OrderByDescending(a => a.Bytes).Select(a => a.Name)));
    }

    private static string CreateProject(string root, string packages, string version)
    {
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(root, "Directory.Build.targets"), "<Project />");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />");
        File.WriteAllText(Path.Combine(root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="kt" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        var project = Path.Combine(root, "Loads");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "Loads.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <InvariantGlobalization>true</InvariantGlobalization>
                <KtBaseImage>debian:bookworm</KtBaseImage>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Kt.MSBuild" Version="{version}" PrivateAssets="all" />
                <KtSetup Include="env" Name="KT_BENCH" Value="1" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), "System.Console.WriteLine(\"loads\");\n");
        return project;
    }

    private static Outcome Run(string folder, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // A fresh MSBuild node per command (nothing loaded before), no build servers left behind.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var text = output + error.Result;
        return new Outcome(process.ExitCode, text.Length > 600 ? text[^600..] : text);
    }

    private sealed record Outcome(int ExitCode, string Tail)
    {
        public Outcome EnsureSuccess(string what) =>
            ExitCode == 0 ? this : throw new InvalidOperationException($"{what} failed ({ExitCode}): {Tail}");
    }
}
