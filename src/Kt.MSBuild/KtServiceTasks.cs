using Kt.Core;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// <c>-p:KtDeploy=true</c>: the live dev loop. Its deploy backends are not part of this version, so the task fails with
/// KT6003 instead of pretending to deploy.
/// </summary>
public sealed class KtDeployService : KtTaskBase
{
    [Required] public string DefinitionFile { get; set; } = "";

    public string? ProjectDirectory { get; set; }

    public string? PublishDirectory { get; set; }

    /// <summary>The frozen image reference when KtFreeze ran in the same build.</summary>
    public string? FrozenImage { get; set; }

    protected override void ExecuteCore() => throw DeployUnavailable.Create("KtDeploy=true");
}

/// <summary><c>dotnet build -t:KtTeardown</c>: fails with KT6003 for the same reason as <see cref="KtDeployService"/>.</summary>
public sealed class KtTeardownService : KtTaskBase
{
    [Required] public string DefinitionFile { get; set; } = "";

    protected override void ExecuteCore() => throw DeployUnavailable.Create("KtTeardown");
}

internal static class DeployUnavailable
{
    public static KtException Create(string what) => new(MSBuildErrors.DeployUnavailable,
        $"{what}: the deploy backends (process, docker, kubernetes) are not available in this version of Kt.MSBuild. "
        + "To build a frozen image, publish with -p:KtFreeze=true (and ContainerRegistry/ContainerRepository to push it).");
}
