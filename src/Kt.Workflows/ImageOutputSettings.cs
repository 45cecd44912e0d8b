namespace Kt.Workflows;

/// <summary>
/// Where a built image goes, as the SDK's container properties say: push to <see cref="Registry"/> when set, always an
/// OCI layout, an archive when asked. Paths are absolute (MSBuild resolves them against the project).
/// </summary>
public sealed record ImageOutputSettings
{
    /// <summary>Where copy/sync sources and a base Dockerfile are resolved.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary><c>ContainerRegistry</c>: push there when set.</summary>
    public string? Registry { get; init; }

    /// <summary><c>ContainerRepository</c> (default the service name).</summary>
    public string Repository { get; init; } = "";

    /// <summary><c>;</c>-separated tags (<c>ContainerImageTags</c>); the first names the layout and archive.</summary>
    public string? Tags { get; init; }

    /// <summary><c>ContainerArchiveOutputPath</c>: a file, or a folder (then <c>&lt;repository&gt;.tar.gz</c> in it, as the SDK names it).</summary>
    public string? ArchiveOutputPath { get; init; }

    /// <summary>The OCI layout folder; always written.</summary>
    public string LayoutOutputPath { get; init; } = "";

    /// <summary><c>KtCacheDirectory</c>: blob and step cache root; default <c>~/.kt/cache</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>MSBuild's <c>NuGetPackageRoot</c>: where a freeze's SBOM reads the app packages' nuspecs (licences).</summary>
    public string? NuGetPackageRoot { get; init; }
}
