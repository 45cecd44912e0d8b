namespace Kt.Watch;

/// <summary>How <c>kt watch</c> runs.</summary>
public sealed record WatchOptions
{
    /// <summary>The project file (absolute).</summary>
    public required string ProjectFile { get; init; }

    /// <summary>
    /// Debug: the watch's default. Edit and Continue needs debuggable code, so only a Debug compilation's method-body
    /// edits reach the pods as IL deltas (state kept); Release compiles and reloads whole assemblies on every edit.
    /// </summary>
    public const string DefaultConfiguration = "Debug";

    /// <summary>The configuration published and compiled (<see cref="DefaultConfiguration"/>; Release for the whole-assembly loop).</summary>
    public string Configuration { get; init; } = DefaultConfiguration;

    /// <summary>How long the files must be quiet before a batch of changes is taken (editors save in bursts).</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Global MSBuild properties (<c>Name=Value</c>) for every publish and design-time build, as <c>-p:</c> gives them (e.g. <c>KtCompute=docker</c>).</summary>
    public IReadOnlyList<string> Properties { get; init; } = [];

    /// <summary>Extra environment for the <c>dotnet</c> processes the watch starts (publish, design-time build).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
