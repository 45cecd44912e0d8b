using Kt.Workflows;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// Tasks that build an image (the frozen service image, the dev loop's runtime image): the SDK's container properties
/// as inputs, mapped to <see cref="ImageOutputSettings"/>. The work is the workflows'.
/// </summary>
public abstract class KtImageTaskBase : KtTaskBase
{
    /// <summary>Where copy/sync sources and a base Dockerfile are resolved.</summary>
    [Required] public string ProjectDirectory { get; set; } = "";

    /// <summary><c>ContainerRegistry</c>: push there when set.</summary>
    public string? Registry { get; set; }

    /// <summary><c>ContainerRepository</c> (default the service name).</summary>
    public string Repository { get; set; } = "";

    /// <summary><c>;</c>-separated tags (<c>ContainerImageTags</c>); the first names the layout and archive.</summary>
    public string? Tags { get; set; }

    /// <summary><c>ContainerArchiveOutputPath</c>: a file, or a folder (then <c>&lt;repository&gt;.tar.gz</c> in it, as the SDK names it).</summary>
    public string? ArchiveOutputPath { get; set; }

    /// <summary>The OCI layout folder; always written.</summary>
    public string LayoutOutputPath { get; set; } = "";

    /// <summary><c>KtCacheDirectory</c>: blob and step cache root; default <c>~/.kt/cache</c>.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary><c>$(NuGetPackageRoot)</c>: where a freeze's SBOM finds the packages' nuspecs.</summary>
    public string? NuGetPackageRoot { get; set; }

    /// <summary>The project's <c>KtSetup</c> items, so that a step's error points at its item's line.</summary>
    public ITaskItem[] Setup { get; set; } = [];

    protected override IReadOnlyList<ITaskItem> SetupItems => Setup;

    protected ImageOutputSettings ImageOutputs() => new()
    {
        ProjectDirectory = ProjectDirectory,
        Registry = Registry,
        Repository = Repository,
        Tags = Tags,
        ArchiveOutputPath = ArchiveOutputPath,
        LayoutOutputPath = LayoutOutputPath,
        CacheDirectory = CacheDirectory,
        NuGetPackageRoot = NuGetPackageRoot,
    };
}
