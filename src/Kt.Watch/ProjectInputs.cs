using System.Collections.Immutable;
using System.Text.Json;

namespace Kt.Watch;

/// <summary>
/// What a design-time build says about a project: the Csc command line of its compile (every argument
/// <c>dotnet build</c> would pass: sources, references, defines, analyzers and generators, editorconfigs, pathmap …),
/// where its compiler lives, where it publishes, and the project references to watch too.
/// </summary>
internal sealed record ProjectInputs
{
    public required string ProjectFile { get; init; }

    public string ProjectDirectory => Path.GetDirectoryName(ProjectFile)!;

    public required ImmutableArray<string> CompilerArguments { get; init; }

    public required string RoslynTargetsPath { get; init; }

    /// <summary>Absolute; ends with a separator.</summary>
    public required string PublishDirectory { get; init; }

    /// <summary>Absolute; ends with a separator.</summary>
    public required string IntermediateDirectory { get; init; }

    public required ImmutableArray<string> ProjectReferences { get; init; }

    /// <summary>MSBuild properties the watch maps to the deploy (ContainerRegistry, KtService, …); missing ones are empty.</summary>
    public required ImmutableDictionary<string, string> Properties { get; init; }

    public string Property(string name) => Properties.TryGetValue(name, out var value) ? value : "";

    private static readonly string[] PropertyNames =
    [
        "RoslynTargetsPath", "PublishDir", "IntermediateOutputPath", "ContainerRegistry", "ContainerRepository", "KtService",
        "KtRuntimeImageLayoutPath", "KtCacheDirectory", "TargetFileName",
    ];

    /// <summary>
    /// <c>dotnet msbuild -t:Compile</c> with the compiler skipped (<c>SkipCompilerExecution</c>) and its command line
    /// returned (<c>ProvideCommandLineArgs</c>), the way IDEs read it. <c>NonExistentFile</c> makes CoreCompile run
    /// even when its outputs are up to date. About a second; nothing is written but MSBuild's own generated inputs.
    /// </summary>
    /// <param name="globalProperties">Global properties (<c>Name=Value</c>), as the publish gets them.</param>
    public static async Task<ProjectInputs> ReadAsync(string projectFile, string configuration, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? globalProperties = null)
    {
        var (exitCode, output) = await DotnetCli.RunAsync(Path.GetDirectoryName(projectFile)!,
        [
            "msbuild", projectFile, "-nologo", "-t:Compile", $"-p:Configuration={configuration}",
            "-p:SkipCompilerExecution=true", "-p:ProvideCommandLineArgs=true", "-p:DesignTimeBuild=true",
            "-p:NonExistentFile=__kt_watch_always_compile__",
            "-getItem:CscCommandLineArgs", "-getItem:ProjectReference", "-getProperty:" + string.Join(',', PropertyNames),
            .. (globalProperties ?? []).Select(p => "-p:" + p),
        ], onLine: null, cancellationToken, environment).ConfigureAwait(false);
        var json = output[Math.Max(0, output.IndexOf('{', StringComparison.Ordinal))..];
        if (exitCode != 0 || !json.StartsWith('{'))
        {
            throw new KtException(WatchErrors.DesignTimeBuildFailed,
                $"reading the compiler arguments of {projectFile} failed (dotnet msbuild exited with {exitCode}): {output.Trim()}");
        }

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var properties = root.GetProperty("Properties").EnumerateObject()
            .ToImmutableDictionary(p => p.Name, p => p.Value.GetString() ?? "", StringComparer.Ordinal);
        var items = root.GetProperty("Items");
        var directory = Path.GetDirectoryName(Path.GetFullPath(projectFile))!;
        string Absolute(string path) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(path, directory)) + Path.DirectorySeparatorChar;
        var arguments = Identities(items, "CscCommandLineArgs");
        if (arguments.IsEmpty)
        {
            throw new KtException(WatchErrors.DesignTimeBuildFailed, $"the design-time build of {projectFile} returned no compiler command line (is it a C# project?).");
        }

        return new ProjectInputs
        {
            ProjectFile = Path.GetFullPath(projectFile),
            CompilerArguments = arguments,
            RoslynTargetsPath = properties.GetValueOrDefault("RoslynTargetsPath", ""),
            PublishDirectory = Absolute(properties.GetValueOrDefault("PublishDir", "bin/publish")),
            IntermediateDirectory = Absolute(properties.GetValueOrDefault("IntermediateOutputPath", "obj")),
            ProjectReferences = [.. Identities(items, "ProjectReference").Select(p => Path.GetFullPath(p, directory))],
            Properties = properties,
        };
    }

    private static ImmutableArray<string> Identities(JsonElement items, string name) =>
        items.TryGetProperty(name, out var list)
            ? [.. list.EnumerateArray().Select(i => i.GetProperty("Identity").GetString() ?? "")]
            : [];
}
