using Kt.Core;
using Kt.Workflows;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// <c>-p:KtFreeze=true</c>: freezes <c>kt.definition.json</c> plus the publish output into a layered OCI image, writes
/// it as an OCI layout, optionally as an archive (<c>ContainerArchiveOutputPath</c>) and pushes it when
/// <c>ContainerRegistry</c> is set. The work is <see cref="FreezeWorkflow"/>'s; this task only maps the inputs.
/// </summary>
public sealed class KtFreezeImage : KtImageTaskBase
{
    /// <summary>The <c>kt.definition.json</c> KtWriteDefinition wrote.</summary>
    [Required] public string DefinitionFile { get; set; } = "";

    /// <summary>The publish output that becomes the app layers.</summary>
    [Required] public string PublishDirectory { get; set; } = "";

    /// <summary>
    /// <c>KtFreezeWithRuntime</c> (default true): bake the pod runtime and the .NET it runs on into the image and start
    /// it in frozen mode on the app; false keeps the app's own entry point (a plain app image).
    /// </summary>
    public bool WithRuntime { get; set; } = true;

    /// <summary><c>KtLocked</c>: install exactly what <c>kt.lock.json</c> (next to the csproj) pins; false updates it.</summary>
    public bool Locked { get; set; }

    /// <summary>The image manifest digest (<c>sha256:…</c>).</summary>
    [Output] public string ImageDigest { get; private set; } = "";

    /// <summary>The digest-pinned reference when pushed, else <c>&lt;repository&gt;@&lt;digest&gt;</c>.</summary>
    [Output] public string ImageReference { get; private set; } = "";

    /// <summary>Where the archive was written, when one was asked for.</summary>
    [Output] public string? ArchiveFile { get; private set; }

    protected override void ExecuteCore()
    {
        var project = ProjectDefinitionFile.Read(DefinitionFile, WorkflowErrors.DefinitionUnreadable);
        var built = FreezeWorkflow.FreezeAsync(project, PublishDirectory, WithRuntime, ImageOutputs(), Output, CancellationToken, Locked).GetAwaiter().GetResult();
        (ImageDigest, ImageReference, ArchiveFile) = (built.Digest, built.Reference, built.ArchiveFile);
    }
}
