using Kt.ImageCompiler.Model;

namespace Kt.DevLoop;

/// <summary>Bring a service to a definition and a code version: what <see cref="ServiceDeployer"/> needs.</summary>
public sealed record DeployRequest
{
    public required ServiceSpec Service { get; init; }

    /// <summary>The image definition whose setup steps the pods must have applied (its app part is ignored: code travels by sync).</summary>
    public required ImageDefinition Image { get; init; }

    /// <summary>Where copy/sync sources of the definition are resolved.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>The folder that becomes the pods' active code version (a publish or build output).</summary>
    public required string CodeDirectory { get; init; }

    /// <summary>Top-level folders of <see cref="CodeDirectory"/> that are not synced.</summary>
    public IReadOnlyCollection<string> ExcludedFolders { get; init; } = [Backends.PodRuntimeFiles.FolderName, DeploySideLayout.FolderName];

    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
