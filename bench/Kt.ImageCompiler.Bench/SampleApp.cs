namespace Kt.ImageCompiler.Bench;

/// <summary>
/// A tiny real console app (net10.0, one NuGet package) in its own folder, isolated from the repository's
/// Directory.Build.props and central package management. "Code-only changes" rewrite one line of Program.cs.
/// </summary>
internal sealed class SampleApp
{
    public const string EntryAssembly = "App.dll";
    private const string ProjectFile = "App/App.csproj";

    private static readonly TimeSpan PublishTimeout = TimeSpan.FromMinutes(3);

    private SampleApp(string root) => Root = root;

    /// <summary>The project folder; definitions resolve their relative paths against it.</summary>
    public string Root { get; }

    /// <summary>The publish folder, relative to <see cref="Root"/> (what <c>WithApp</c> is given).</summary>
    public static string PublishFolder => "publish";

    /// <summary>The config folder a copy step places, relative to <see cref="Root"/>.</summary>
    public static string ConfigFolder => "config/";

    /// <summary>Switches off the build servers for child builds, so the benchmark leaves no process behind.</summary>
    public static IReadOnlyDictionary<string, string?> DotnetEnvironment { get; } = BuildEnvironment();

    /// <summary>Options every build of the sample gets, on both sides of a comparison.</summary>
    private static readonly string[] BuildOptions = ["-c", "Release", "--nologo", "-nodeReuse:false", "-p:UseSharedCompilation=false"];

    public static SampleApp Create(string root, string marker)
    {
        Directory.CreateDirectory(root);
        // Empty props files stop MSBuild from walking up into a repository's Directory.Build.props / central packages.
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />\n");
        Directory.CreateDirectory(Path.Combine(root, "App"));
        File.WriteAllText(Path.Combine(root, ProjectFile), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Newtonsoft.Json" Version="13.0.1" />
              </ItemGroup>
            </Project>
            """);
        Directory.CreateDirectory(Path.Combine(root, "config"));
        File.WriteAllText(Path.Combine(root, "config", "appsettings.json"), "{\n  \"greeting\": \"hello\",\n  \"retries\": 3\n}\n");
        var app = new SampleApp(root);
        app.ChangeCode(marker);
        return app;
    }

    /// <summary>A copy of the sources, config and (when present) publish output in another folder; no bin/obj.</summary>
    public SampleApp CopyTo(string root, bool includePublishOutput)
    {
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Root, file);
            var top = relative.Split(Path.DirectorySeparatorChar)[0];
            var inBuildOutput = relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj");
            if (inBuildOutput || (!includePublishOutput && top == PublishFolder))
            {
                continue;
            }

            var target = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }

        return new SampleApp(root);
    }

    /// <summary>
    /// Turns the project into one a user freezes with Kt: it imports Kt.MSBuild's props and targets from this
    /// repository (as the package would) and declares the bench definition as <c>KtSetup</c> items.
    /// </summary>
    public void UseKt(string repositoryRoot, string tasksAssembly)
    {
        var build = Path.Combine(repositoryRoot, "src", "Kt.MSBuild", "build");
        // A copy step reads inside the project folder only, so the config travels into it.
        var config = Path.Combine(Root, "App", "config");
        Directory.CreateDirectory(config);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Root, ConfigFolder)))
        {
            File.Copy(file, Path.Combine(config, Path.GetFileName(file)), overwrite: true);
        }

        File.WriteAllText(Path.Combine(Root, ProjectFile), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <Import Project="{build}/Kt.MSBuild.props" />
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <KtTasksAssembly>{tasksAssembly}</KtTasksAssembly>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Newtonsoft.Json" Version="13.0.1" />
                <KtSetup Include="env" Name="APP_MODE" Value="bench" />
                <KtSetup Include="copy" Source="config/" Destination="/etc/kt-bench/" />
              </ItemGroup>
              <Import Project="{build}/Kt.MSBuild.targets" />
            </Project>
            """);
    }

    /// <summary><c>dotnet publish -p:KtFreeze=true</c> of a project made by <see cref="UseKt"/>: Kt compiles and freezes it.</summary>
    /// <param name="withRuntime">A service image (the pod runtime baked in, manifests written), not a plain app image.</param>
    /// <param name="more">Further MSBuild arguments.</param>
    public Task<CommandResult> PublishFrozenAsync(string baseImage, string repository, string cacheDirectory, CancellationToken cancellationToken,
        bool withRuntime = false, params string[] more) =>
        CommandLine.RunCheckedAsync("dotnet",
            ["publish", ProjectFile, .. BuildOptions, "-p:KtFreeze=true", $"-p:KtFreezeWithRuntime={(withRuntime ? "true" : "false")}", $"-p:KtBaseImage={baseImage}",
                $"-p:ContainerRepository={repository}", $"-p:KtCacheDirectory={cacheDirectory}", .. more],
            Root, DotnetEnvironment, PublishTimeout, cancellationToken);

    /// <summary>Rewrites the one line of code that differs between builds.</summary>
    public void ChangeCode(string marker) =>
        File.WriteAllText(Path.Combine(Root, "App", "Program.cs"),
            "Console.WriteLine(Newtonsoft.Json.JsonConvert.SerializeObject(new { build = \"" + marker + "\" }));\n");

    /// <summary>Framework-dependent Release publish into <see cref="PublishFolder"/>.</summary>
    public Task<CommandResult> PublishAsync(CancellationToken cancellationToken) =>
        CommandLine.RunCheckedAsync("dotnet", ["publish", ProjectFile, .. BuildOptions, "-o", Path.Combine(Root, PublishFolder)],
            Root, DotnetEnvironment, PublishTimeout, cancellationToken);

    /// <summary>The SDK's own container support: build, publish and push in one <c>dotnet publish</c>.</summary>
    public Task<CommandResult> PublishContainerAsync(string registry, string repository, string baseImage, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string?>(DotnetEnvironment)
        {
            // The SDK only talks plain HTTP to registries it is told are insecure (it treats "localhost" so, not 127.0.0.1).
            ["DOTNET_CONTAINER_INSECURE_REGISTRIES"] = registry,
        };
        return CommandLine.RunCheckedAsync("dotnet",
            ["publish", ProjectFile, .. BuildOptions, "-t:PublishContainer", $"-p:ContainerRegistry={registry}", $"-p:ContainerRepository={repository}",
                $"-p:ContainerBaseImage={baseImage}", "-p:ContainerImageTag=latest"],
            Root, environment, PublishTimeout, cancellationToken);
    }

    private static Dictionary<string, string?> BuildEnvironment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        // When started through `dotnet run`, MSBuild variables of the outer build may be inherited; a child build must not see them.
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>()
                     .Where(n => n.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)))
        {
            environment[name] = null;
        }

        environment["MSBUILDDISABLENODEREUSE"] = "1";
        environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        return environment;
    }
}
