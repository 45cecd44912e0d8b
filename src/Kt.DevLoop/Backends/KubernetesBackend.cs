using Kt.Kubernetes;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Deploy;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;

namespace Kt.DevLoop.Backends;

/// <summary>
/// The live dev loop on a cluster: a dev-mode Deployment of the runtime image (server-side applied; per-deploy data
/// never enters the pod template, so code changes never restart pods), its token Secret, and one loopback
/// port-forward per pod through the API server, which the deployer then syncs and sets up like any other pod.
/// Everything here runs above <see cref="IKubernetesApi"/>, the one seam to the cluster.
/// </summary>
/// <param name="runtimeImage">An image that carries the pod runtime (<see cref="FrozenServiceImage.RuntimeImage"/>); null reuses the one the service's Deployment runs.</param>
/// <param name="cluster">The project's cluster settings (GPU type, tolerations, secrets, volumes, autoscale, distribute…).</param>
public sealed class KubernetesBackend(IKubernetesApi api, string @namespace, string? runtimeImage = null, ClusterDeclaration? cluster = null) : IComputeBackend
{
    private readonly Deployer _deployer = new(api);
    private readonly Dictionary<string, PortForwarder> _forwards = new(StringComparer.Ordinal);

    public string Name => ComputeBackends.Kubernetes;

    public async Task<ServicePods> EnsureAsync(ServiceSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var before = (await SnapshotAsync(spec.Service, cancellationToken).ConfigureAwait(false)).Where(p => p.Ready).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var compute = ComputeFor(spec, await ImageForAsync(spec, cancellationToken).ConfigureAwait(false));
        var context = ContextFor(compute);
        var result = await _deployer.DeployAsync(compute, context, cancellationToken: cancellationToken).ConfigureAwait(false);
        var names = result.ReadyPods.Order(StringComparer.Ordinal).Take(Deployer.ExpectedPods(compute, context)).ToList();
        var pods = await ForwardAsync(names, result.Token!, cancellationToken).ConfigureAwait(false);
        return new ServicePods(spec.Service, Name, pods, names.Count(n => !before.Contains(n)));
    }

    public async Task<ServicePods?> FindAsync(string service, CancellationToken cancellationToken = default)
    {
        if (await FindTokenAsync(service, cancellationToken).ConfigureAwait(false) is not { } token)
        {
            return null;
        }

        var names = (await SnapshotAsync(service, cancellationToken).ConfigureAwait(false)).Where(p => p.Ready).Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            return null;
        }

        return new ServicePods(service, Name, await ForwardAsync(names, token, cancellationToken).ConfigureAwait(false), 0);
    }

    /// <summary>Deletes the pod; its Deployment starts a fresh one (empty journal), which takes the same rank.</summary>
    public async Task<PodEndpoint> RecreateAsync(ServiceSpec spec, int rank, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var current = (await SnapshotAsync(spec.Service, cancellationToken).ConfigureAwait(false)).Where(p => p.Ready).Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
        var gone = current[rank];
        await api.DeleteAsync(new ResourceRef("v1", "Pod", @namespace, gone), cancellationToken).ConfigureAwait(false);
        await DropForwardAsync(gone).ConfigureAwait(false);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromMinutes(10));
        var kept = current.Where(n => n != gone).ToHashSet(StringComparer.Ordinal);
        await foreach (var pods in api.WatchPodsAsync(@namespace, KtLabels.SelectorFor(spec.Service), deadline.Token).ConfigureAwait(false))
        {
            if (pods.FirstOrDefault(p => p.Ready && p.Name != gone && !kept.Contains(p.Name)) is { } fresh)
            {
                var token = (await FindTokenAsync(spec.Service, cancellationToken).ConfigureAwait(false))!;
                return (await ForwardAsync([fresh.Name], token, cancellationToken).ConfigureAwait(false))[0] with { Rank = rank };
            }
        }

        throw new KtException(DevLoopErrors.PodStartFailed, $"no replacement for pod {gone} of '{spec.Service}' became ready.");
    }

    public async Task<bool> TeardownAsync(string service, CancellationToken cancellationToken = default)
    {
        foreach (var name in _forwards.Keys.ToList())
        {
            await DropForwardAsync(name).ConfigureAwait(false);
        }

        return (await _deployer.TeardownAsync(service, @namespace, cancellationToken).ConfigureAwait(false)).Count > 0;
    }

    /// <summary>Pods are containers of their own: every step kind runs there as declared.</summary>
    public LivePlan Adapt(LivePlan plan, ServiceSpec spec, PodEndpoint pod) => plan;

    public void Dispose()
    {
        foreach (var forward in _forwards.Values)
        {
            forward.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _forwards.Clear();
    }

    /// <summary>
    /// The runtime image given, else the one the service's Deployment already runs (a program using Kt.Client reuses
    /// what the last <c>-p:KtDeploy=true</c> pushed; it builds no images itself).
    /// </summary>
    private async Task<string> ImageForAsync(ServiceSpec spec, CancellationToken cancellationToken)
    {
        if (runtimeImage is not null)
        {
            return runtimeImage;
        }

        var deployment = await api.GetAsync(new ResourceRef("apps/v1", "Deployment", @namespace, spec.Service), cancellationToken).ConfigureAwait(false);
        return (string?)deployment?["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]
            ?? throw new KtException(DevLoopErrors.RuntimeImageMissing,
                $"'{spec.Service}' has no runtime image on the cluster yet: deploy it once with 'dotnet publish -p:KtDeploy=true' (KtCompute=kubernetes, ContainerRegistry set), which pushes the image its pods start from.");
    }

    /// <summary>
    /// Dev mode, and the service's own address as the pods' peer: the Service routes only to ready pods, so a pod the
    /// cluster starts later (scale-up, a lost node) catches up with setup and code from a running one by itself.
    /// </summary>
    private static RenderContext ContextFor(Compute compute) => RenderContext.ForPodRuntime(compute.Port) with
    {
        Environment = new Dictionary<string, string>
        {
            // Knative answers on the service's own name at port 80 (through its ingress, to ready revisions only).
            ["KT_PEER_URL"] = compute.Autoscale is null
                ? $"http://{compute.ServiceName}.{compute.Namespace}.svc.cluster.local:{compute.Port}/"
                : $"http://{compute.ServiceName}.{compute.Namespace}.svc.cluster.local/",
        },
    };

    private Compute ComputeFor(ServiceSpec spec, string image)
    {
        var compute = new Compute
        {
            ServiceName = spec.Service,
            Namespace = @namespace,
            Image = image,
            Replicas = spec.Replicas,
            Cpus = spec.Cpus,
            Memory = spec.Memory,
            Gpus = spec.Gpus,
        };
        return cluster is null ? compute : ProjectCompute.WithCluster(compute, cluster);
    }

    private Task<string?> FindTokenAsync(string service, CancellationToken cancellationToken) =>
        _deployer.ReadTokenAsync(service, @namespace, cancellationToken);

    private async Task<IReadOnlyList<PodStatusSnapshot>> SnapshotAsync(string service, CancellationToken cancellationToken)
    {
        using var once = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await foreach (var pods in api.WatchPodsAsync(@namespace, KtLabels.SelectorFor(service), once.Token).ConfigureAwait(false))
        {
            return pods;
        }

        return [];
    }

    private async Task<IReadOnlyList<PodEndpoint>> ForwardAsync(IReadOnlyList<string> names, string token, CancellationToken cancellationToken)
    {
        var pods = new List<PodEndpoint>();
        foreach (var (name, rank) in names.Select((n, i) => (n, i)))
        {
            if (!_forwards.TryGetValue(name, out var forward))
            {
                forward = await api.PortForwardAsync(@namespace, name, Core.PodRuntimeLayout.Port, 0, cancellationToken).ConfigureAwait(false);
                _forwards[name] = forward;
            }

            pods.Add(new PodEndpoint(rank, name, new Uri($"http://127.0.0.1:{forward.LocalPort}/"), token));
        }

        return pods;
    }

    private async Task DropForwardAsync(string name)
    {
        if (_forwards.Remove(name, out var forward))
        {
            await forward.DisposeAsync().ConfigureAwait(false);
        }
    }
}
