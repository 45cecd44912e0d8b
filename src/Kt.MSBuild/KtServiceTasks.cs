using Kt.Core;
using Kt.Workflows;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// <c>-p:KtDeploy=true</c>: the live dev loop after Publish (or the frozen deploy on Kubernetes after KtFreeze). The
/// work is <see cref="DeployWorkflow"/>'s; this task maps the inputs and returns where the service serves.
/// </summary>
public sealed class KtDeployService : KtImageTaskBase
{
    [Required] public string DefinitionFile { get; set; } = "";

    [Required] public string PublishDirectory { get; set; } = "";

    /// <summary>The frozen image reference when KtFreeze ran in the same build.</summary>
    public string? FrozenImage { get; set; }

    /// <summary><c>$(Configuration)</c>: recorded with the deploy, so that a program of another configuration does not sync over it.</summary>
    public string? Configuration { get; set; }

    /// <summary>The address of the first pod (e.g. <c>http://127.0.0.1:40123/</c>).</summary>
    [Output] public string Endpoint { get; private set; } = "";

    /// <summary>The code version the pods serve now.</summary>
    [Output] public string CodeVersion { get; private set; } = "";

    protected override void ExecuteCore()
    {
        var outcome = DeployWorkflow.DeployAsync(new DeployWorkflowRequest
        {
            Project = ProjectDefinitionFile.Read(DefinitionFile, WorkflowErrors.DefinitionUnreadable),
            PublishDirectory = PublishDirectory,
            FrozenImage = FrozenImage,
            Configuration = string.IsNullOrWhiteSpace(Configuration) ? null : Configuration,
            RuntimeImage = ImageOutputs(),
        }, Output, CancellationToken).GetAwaiter().GetResult();
        (Endpoint, CodeVersion) = (outcome.Endpoint, outcome.CodeVersion);
    }
}

/// <summary><c>dotnet build -t:KtTeardown</c>: removes every pod the dev loop created for the project's service.</summary>
public sealed class KtTeardownService : KtTaskBase
{
    [Required] public string DefinitionFile { get; set; } = "";

    protected override void ExecuteCore() =>
        TeardownWorkflow.TeardownAsync(ProjectDefinitionFile.Read(DefinitionFile, WorkflowErrors.DefinitionUnreadable), Output, CancellationToken)
            .GetAwaiter().GetResult();
}
