namespace Kt.Watch;

/// <summary>One turn of the watch loop: what changed, which path it took, and how long each part took (ms).</summary>
public sealed record WatchIteration
{
    /// <summary>
    /// <c>deploy</c> (the first), <c>delta</c> (IL deltas applied in place), <c>compile</c> (whole assemblies emitted in
    /// process), <c>sources</c> (arguments re-read) or <c>publish</c> (MSBuild).
    /// </summary>
    public required string Path { get; init; }

    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>False when the compile or the publish failed; nothing was deployed then and the previous version serves.</summary>
    public required bool Deployed { get; init; }

    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Why an edit that could have been a delta took the whole compile (a rude edit, a pod that refused it); null otherwise.</summary>
    public string? FallbackReason { get; init; }

    public double BuildMs { get; init; }

    public double DeployMs { get; init; }

    public double TotalMs { get; init; }

    /// <summary>The code version serving after this turn (empty when nothing was deployed).</summary>
    public string Version { get; init; } = "";

    public int UploadedFiles { get; init; }

    /// <summary>The assemblies the fast path emitted (file names, build order): the edited project's, and its dependents' when its reference assembly changed.</summary>
    public IReadOnlyList<string> Emitted { get; init; } = [];

    /// <summary>The first pod's address and token after a deploy (for a caller that calls it, e.g. a test or the bench).</summary>
    public Uri? Endpoint { get; init; }

    public string? Token { get; init; }

    /// <summary>Every pod of the service after a deploy or a delta (rank order).</summary>
    public IReadOnlyList<PodEndpoint> Pods { get; init; } = [];
}
