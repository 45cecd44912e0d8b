using Kt.DevLoop;
using Kt.ImageCompiler.Model;

namespace Kt.Workflows;

/// <summary>What a deploy is asked to bring the service to.</summary>
public sealed record DeployWorkflowRequest
{
    public required ProjectDefinition Project { get; init; }

    /// <summary>The image whose steps the pods get, when not the project's own (a program's <c>Compute.Image</c>); null: the definition's.</summary>
    public ImageDefinition? Image { get; init; }

    /// <summary>The publish output the pods serve.</summary>
    public required string PublishDirectory { get; init; }

    /// <summary>Who deploys (<see cref="DeployRecord.FromPublish"/> or <see cref="DeployRecord.FromProgram"/>), recorded for the next program run.</summary>
    public string Origin { get; init; } = DeployRecord.FromPublish;

    /// <summary>The build configuration of what is deployed (<c>Release</c>, <c>Debug</c>); null when not known.</summary>
    public string? Configuration { get; init; }

    /// <summary>The frozen image reference when a freeze ran first (then Kubernetes deploys it pinned, no sync).</summary>
    public string? FrozenImage { get; init; }

    /// <summary>Where the runtime image of the live loop on Kubernetes goes (its layout and registry).</summary>
    public required ImageOutputSettings RuntimeImage { get; init; }
}

/// <summary>Where the service serves after a deploy; empty for a frozen Kubernetes deploy (reached by port-forward).</summary>
public sealed record DeployOutcome(string Endpoint, string CodeVersion)
{
    /// <summary>The live deploy's phases and counts; null for a frozen Kubernetes deploy.</summary>
    public DeployReport? Report { get; init; }
}

/// <summary>
/// <c>-p:KtDeploy=true</c> / <c>kt deploy</c>: one deploy in a session of its own (the backend, and on Kubernetes its
/// port-forwards, end with it). <see cref="DeploySession"/> keeps them for a watch's life.
/// </summary>
public static class DeployWorkflow
{
    /// <summary>The tag of the runtime image the live loop on Kubernetes pushes next to the service's frozen tags.</summary>
    public const string RuntimeImageTag = "kt-runtime";

    public static async Task<DeployOutcome> DeployAsync(DeployWorkflowRequest request, WorkflowOutput output, CancellationToken cancellationToken)
    {
        using var session = new DeploySession();
        return await session.DeployAsync(request, output, cancellationToken).ConfigureAwait(false);
    }
}
