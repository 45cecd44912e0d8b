namespace Kt.Watch;

/// <summary>How <c>kt watch</c> runs.</summary>
public sealed record WatchOptions
{
    /// <summary>The project file (absolute).</summary>
    public required string ProjectFile { get; init; }

    /// <summary>The configuration published and compiled (Release, as <c>dotnet publish</c> defaults to).</summary>
    public string Configuration { get; init; } = "Release";

    /// <summary>How long the files must be quiet before a batch of changes is taken (editors save in bursts).</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Global MSBuild properties (<c>Name=Value</c>) for every publish and design-time build, as <c>-p:</c> gives them (e.g. <c>KtCompute=docker</c>).</summary>
    public IReadOnlyList<string> Properties { get; init; } = [];

    /// <summary>Extra environment for the <c>dotnet</c> processes the watch starts (publish, design-time build).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}
