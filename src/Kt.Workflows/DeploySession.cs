using System.Text.Json;
using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.Kubernetes.Api;
using Kt.Oci;
using Kt.PodRuntime.Protocol;

namespace Kt.Workflows;

/// <summary>
/// Deploys of one project that share a backend: decides frozen vs live; frozen on Kubernetes applies the digest-pinned
/// manifests; live makes the compute exist (on Kubernetes from a runtime image pushed first), applies the setup steps
/// the pods lack, syncs the publish output, waits until the new version serves, and prints the timings, the endpoint
/// and a ready-to-paste call. The backend (on Kubernetes: its port-forwards) lives until the session is disposed, so a
/// watch's later deploys reuse it; it is replaced when the compute it was made for changes.
/// </summary>
public sealed class DeploySession : IDisposable
{
    private IComputeBackend? _backend;
    private string _backendFor = "";
    private KubernetesClientApi? _cluster;

    // Kept across the session's deploys (a watch's): a deploy hashes only the files changed since the previous one, sends
    // only the manifest's changes, and skips finding the pods and reading their journals when the setup has nothing to run.
    private readonly DeployMemory _memory = new();

    public async Task<DeployOutcome> DeployAsync(DeployWorkflowRequest request, WorkflowOutput output, CancellationToken cancellationToken)
    {
        var project = request.Project;
        var projectDirectory = request.RuntimeImage.ProjectDirectory;
        string? runtimeImage = null;
        if (project.Compute.Backend == ComputeBackends.Kubernetes)
        {
            if (string.IsNullOrEmpty(request.FrozenImage))
            {
                RequireRegistry(request.RuntimeImage);
            }

            if (_cluster is null)
            {
                // No cluster configured (KT5210) or none answering (KT5211) fails here, before an image is built or pushed.
                var cluster = KubernetesClientApi.FromDefaultConfig();
                await cluster.EnsureReachableAsync(cancellationToken).ConfigureAwait(false);
                _cluster = cluster;
            }

            if (!string.IsNullOrEmpty(request.FrozenImage))
            {
                await FrozenKubernetesDeploy.RunAsync(project, request.FrozenImage, _cluster, output.Progress, cancellationToken).ConfigureAwait(false);
                return new DeployOutcome("", "");
            }

            runtimeImage = await BuildRuntimeImageAsync(project, request.RuntimeImage, output, cancellationToken).ConfigureAwait(false);
        }
        else if (!string.IsNullOrEmpty(request.FrozenImage))
        {
            output.Progress($"frozen image {request.FrozenImage} built; the {project.Compute.Backend} backend deploys live (code sync), so the frozen image is not what runs here.");
        }

        var backend = Backend(project, runtimeImage);
        // Each step and its output lines as they arrive, at the importance a user sees (a 12 s step is not silent).
        var deployer = new ServiceDeployer(backend, output.Progress) { OnPhase = output.Phase, Memory = _memory };
        DeployReport report;
        try
        {
            report = await deployer.DeployAsync(new DeployRequest
            {
                Service = ProjectDeployment.Service(project),
                Image = request.Image ?? ProjectDeployment.Image(project, projectDirectory),
                ProjectDirectory = projectDirectory,
                CodeDirectory = request.PublishDirectory,
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            output.Phase(""); // the status line goes before the summary, or before the error that ended the deploy
        }

        // On a cluster the session's own port-forwards end with it: the summary prints what still works afterwards.
        var reach = runtimeImage is null ? null : new DeploySummary.ClusterReach(project.Service, project.Compute.Namespace, PodRuntimeLayout.Port);
        foreach (var line in DeploySummary.Lines(report, CallExample.Find(Path.Combine(request.PublishDirectory, project.App?.EntryAssembly ?? "")), reach))
        {
            output.Progress(line);
        }

        new DeployRecord(request.Origin, request.Configuration, report.Version, DateTimeOffset.UtcNow).Write(project);
        return new DeployOutcome(report.Pods.Pods[0].Address.ToString(), report.Version) { Report = report };
    }

    /// <summary>
    /// The service as it runs, reached through this session's backend without changing anything (no setup, no sync);
    /// null when it does not run. <paramref name="version"/> is what the caller knows it serves.
    /// </summary>
    public async Task<DeployReport?> ConnectAsync(ProjectDefinition project, string version, CancellationToken cancellationToken)
    {
        var pods = await Backend(project, runtimeImage: null).FindAsync(project.Service, cancellationToken).ConfigureAwait(false);
        return pods is null ? null : new DeployReport { Pods = pods, Version = version, Timings = new DeployTimings(0, 0, 0, 0, 0) };
    }

    public void Dispose()
    {
        _backend?.Dispose();
        _backend = null;
    }

    private IComputeBackend Backend(ProjectDefinition project, string? runtimeImage)
    {
        // By value: each deploy reads the definition afresh.
        var wanted = string.Join('\n', project.Compute.Backend, project.Compute.Namespace, runtimeImage,
            JsonSerializer.Serialize(project.Compute.Cluster, ProjectDefinitionFile.Options));
        if (_backend is null || _backendFor != wanted)
        {
            _backend?.Dispose();
            _memory.ForgetPods(); // another backend's (or compute's) pods
            _backend = ComputeBackends.Create(project.Compute.Backend, project.Compute.Namespace, runtimeImage, project.Compute.Cluster, _cluster);
            _backendFor = wanted;
        }

        return _backend;
    }

    /// <summary>
    /// The image the live loop's pods start: the project's base with the pod runtime, pushed to the registry (tag
    /// <see cref="DeployWorkflow.RuntimeImageTag"/>) so the cluster can pull it. It changes only with the base or Kt itself.
    /// </summary>
    private static async Task<string> BuildRuntimeImageAsync(ProjectDefinition project, ImageOutputSettings settings, WorkflowOutput output,
        CancellationToken cancellationToken)
    {
        RequireRegistry(settings);

        var definition = FrozenServiceImage.RuntimeImage(project, settings.ProjectDirectory, PodRuntimeFiles.Locate());
        var stamp = RuntimeImageStamp.Compute(definition, settings.ProjectDirectory, settings.Registry, settings.Repository, DeployWorkflow.RuntimeImageTag);
        var stampFile = Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.LayoutOutputPath)) + ".stamp";
        if (RuntimeImageStamp.Read(stampFile, stamp) is { } known && await StillInRegistryAsync(known, cancellationToken).ConfigureAwait(false))
        {
            output.Progress($"runtime image {known} (unchanged)");
            return known;
        }

        var built = await ImageBuilder.BuildAsync(definition, settings, project.Service, $"runtime image for {project.Service}", DeployWorkflow.RuntimeImageTag,
            output, cancellationToken).ConfigureAwait(false);
        RuntimeImageStamp.Write(stampFile, stamp, built.Reference);
        return built.Reference;
    }

    private static void RequireRegistry(ImageOutputSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.Registry))
        {
            throw new KtException(WorkflowErrors.RegistryRequired,
                "KtCompute=kubernetes runs its pods from a runtime image the cluster must pull: set ContainerRegistry (and ContainerRepository).");
        }
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
