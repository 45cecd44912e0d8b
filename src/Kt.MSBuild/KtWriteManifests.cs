using Kt.Core;
using Kt.Workflows;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// After <c>-p:KtFreeze=true</c>: writes the production manifests for the digest-pinned image to
/// <c>KtManifestsOutputPath</c> (ko-style), so CI can hand them to <c>kubectl apply</c> or a GitOps repository.
/// </summary>
public sealed class KtWriteManifests : KtTaskBase
{
    [Required] public string DefinitionFile { get; set; } = "";

    /// <summary>The frozen image, pinned by digest (<c>repository@sha256:…</c>).</summary>
    [Required] public string ImageReference { get; set; } = "";

    [Required] public string OutputDirectory { get; set; } = "";

    /// <summary>The YAML file written.</summary>
    [Output] public string ManifestsFile { get; private set; } = "";

    protected override void ExecuteCore()
    {
        var project = ProjectDefinitionFile.Read(DefinitionFile, WorkflowErrors.DefinitionUnreadable);
        ManifestsFile = FreezeWorkflow.WriteManifests(project, ImageReference, OutputDirectory, Output);
    }
}
