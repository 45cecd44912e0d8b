using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.Oci;

namespace Kt.Workflows;

/// <summary>What a deploy is asked to bring the service to.</summary>
public sealed record DeployWorkflowRequest
{
    public required ProjectDefinition Project { get; init; }

    /// <summary>The publish output the pods serve.</summary>
    public required string PublishDirectory { get; init; }

    /// <summary>The frozen image reference when a freeze ran first (then Kubernetes deploys it pinned, no sync).</summary>
    public string? FrozenImage { get; init; }

    /// <summary>Where the runtime image of the live loop on Kubernetes goes (its layout and registry).</summary>
    public required ImageOutputSettings RuntimeImage { get; init; }
}

/// <summary>Where the service serves after a deploy; empty for a frozen Kubernetes deploy (reached by port-forward).</summary>
public sealed record DeployOutcome(string Endpoint, string CodeVersion);

/// <summary>
/// <c>-p:KtDeploy=true</c> / <c>kt deploy</c>: decides frozen vs live. Frozen on Kubernetes applies the digest-pinned
/// manifests; live makes the compute exist (on Kubernetes from a runtime image pushed first), applies the setup steps
/// the pods lack, syncs the publish output, waits until the new version serves, and prints the timings, the endpoint
/// and a ready-to-paste call.
/// </summary>
public static class DeployWorkflow
{
    /// <summary>The tag of the runtime image the live loop on Kubernetes pushes next to the service's frozen tags.</summary>
    public const string RuntimeImageTag = "kt-runtime";

    public static async Task<DeployOutcome> DeployAsync(DeployWorkflowRequest request, WorkflowOutput output, CancellationToken cancellationToken)
    {
        var project = request.Project;
        var projectDirectory = request.RuntimeImage.ProjectDirectory;
        string? runtimeImage = null;
        if (project.Compute.Backend == ComputeBackends.Kubernetes)
        {
            if (!string.IsNullOrEmpty(request.FrozenImage))
            {
                await FrozenKubernetesDeploy.RunAsync(project, request.FrozenImage, output.Progress, cancellationToken).ConfigureAwait(false);
                return new DeployOutcome("", "");
            }

            runtimeImage = await BuildRuntimeImageAsync(project, request.RuntimeImage, output, cancellationToken).ConfigureAwait(false);
        }
        else if (!string.IsNullOrEmpty(request.FrozenImage))
        {
            output.Progress($"frozen image {request.FrozenImage} built; the {project.Compute.Backend} backend deploys live (code sync), so the frozen image is not what runs here.");
        }

        using var backend = ComputeBackends.Create(project.Compute.Backend, project.Compute.Namespace, runtimeImage, project.Compute.Cluster);
        var deployer = new ServiceDeployer(backend, line => output.Detail("    " + line));
        var report = await deployer.DeployAsync(new DeployRequest
        {
            Service = ProjectDeployment.Service(project),
            Image = ProjectDeployment.Image(project, projectDirectory),
            ProjectDirectory = projectDirectory,
            CodeDirectory = request.PublishDirectory,
        }, cancellationToken).ConfigureAwait(false);

        foreach (var line in DeploySummary.Lines(report, CallExample.Find(Path.Combine(request.PublishDirectory, project.App?.EntryAssembly ?? ""))))
        {
            output.Progress(line);
        }

        if (runtimeImage is not null)
        {
            // The port-forwards of this deploy end with it.
            output.Progress(FrozenKubernetesDeploy.ReachLine(project.Service, project.Compute.Namespace));
        }

        return new DeployOutcome(report.Pods.Pods[0].Address.ToString(), report.Version);
    }

    /// <summary>
    /// The image the live loop's pods start: the project's base with the pod runtime, pushed to the registry (tag
    /// <see cref="RuntimeImageTag"/>) so the cluster can pull it. It changes only with the base or Kt itself.
    /// </summary>
    private static async Task<string> BuildRuntimeImageAsync(ProjectDefinition project, ImageOutputSettings settings, WorkflowOutput output,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Registry))
        {
            throw new KtException(WorkflowErrors.RegistryRequired,
                "KtCompute=kubernetes runs its pods from a runtime image the cluster must pull: set ContainerRegistry (and ContainerRepository).");
        }

        var definition = FrozenServiceImage.RuntimeImage(project, settings.ProjectDirectory, PodRuntimeFiles.Locate());
        var stamp = RuntimeImageStamp.Compute(definition, settings.ProjectDirectory, settings.Registry, settings.Repository, RuntimeImageTag);
        var stampFile = Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.LayoutOutputPath)) + ".stamp";
        if (RuntimeImageStamp.Read(stampFile, stamp) is { } known && await StillInRegistryAsync(known, cancellationToken).ConfigureAwait(false))
        {
            output.Progress($"runtime image {known} (unchanged)");
            return known;
        }

        var built = await ImageBuilder.BuildAsync(definition, settings, project.Service, $"runtime image for {project.Service}", RuntimeImageTag,
            output, cancellationToken).ConfigureAwait(false);
        RuntimeImageStamp.Write(stampFile, stamp, built.Reference);
        return built.Reference;
    }

    /// <summary>A registry that lost the image (reset, garbage-collected) gets it again.</summary>
    private static async Task<bool> StillInRegistryAsync(string reference, CancellationToken cancellationToken)
    {
        try
        {
            using var registry = new RegistryClient();
            await registry.GetManifestAsync(ImageReference.Parse(reference), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is KtException or HttpRequestException)
        {
            return false;
        }
    }
}
