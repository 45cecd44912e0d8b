using Kt.Kubernetes;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Deploy;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop.Backends;

/// <summary>
/// The live dev loop on a cluster: a dev-mode Deployment of the runtime image (server-side applied; per-deploy data
/// never enters the pod template, so code changes never restart pods), its token Secret, and one loopback
/// port-forward per pod through the API server, which the deployer then syncs and sets up like any other pod.
/// Everything here runs above <see cref="IKubernetesApi"/>, the one seam to the cluster.
/// </summary>
/// <param name="runtimeImage">An image that carries the pod runtime (<see cref="FrozenServiceImage.RuntimeImage"/>); null reuses the one the service's Deployment runs.</param>
/// <param name="cluster">The project's cluster settings (GPU type, tolerations, secrets, volumes, autoscale, distribute…).</param>
public sealed class KubernetesBackend(IKubernetesApi api, string @namespace, string? runtimeImage = null, ClusterDeclaration? cluster = null) : IComputeBackend, IServiceCatalog
{
    private const string EpochVariable = RuntimeLaunch.Variables.SetupEpoch;
    private readonly Deployer _deployer = new(api);
    private readonly Dictionary<string, PortForwarder> _forwards = new(StringComparer.Ordinal);
    private readonly Lock _rolloutGate = new();
    private (Compute Compute, int Epoch)? _deployed;
    private Task<IReadOnlyList<PodEndpoint>>? _rollout;

    // The deployed service's OTLP endpoint and protocol (ServiceSpec), for the pod template of a rollout.
    private (string? Endpoint, string? Protocol) _otlp;

    public string Name => ComputeBackends.Kubernetes;

    public async Task<ServicePods> EnsureAsync(ServiceSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var before = (await ReadyPodNamesAsync(spec.Service, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var running = await RunningContainerAsync(spec.Service, cancellationToken).ConfigureAwait(false);
        var compute = ComputeFor(spec, runtimeImage ?? (string?)running?["image"] ?? throw NoRuntimeImage(spec.Service));
        var epoch = EpochOf(running);
        _otlp = (spec.OtlpEndpoint, spec.OtlpProtocol);
        var context = ContextFor(compute, epoch);
        var result = await _deployer.DeployAsync(compute, context, cancellationToken: cancellationToken).ConfigureAwait(false);
        var names = result.ReadyPods.Order(StringComparer.Ordinal).Take(Deployer.ExpectedPods(compute, context)).ToList();
        var pods = await ForwardAsync(names, result.Token!, cancellationToken).ConfigureAwait(false);
        lock (_rolloutGate)
        {
            (_deployed, _rollout) = ((compute, epoch), null);
        }

        return new ServicePods(spec.Service, Name, pods, names.Count(n => !before.Contains(n)));
    }

    public async Task<ServicePods?> FindAsync(string service, CancellationToken cancellationToken = default)
    {
        if (await FindTokenAsync(service, cancellationToken).ConfigureAwait(false) is not { } token)
        {
            return null;
        }

        var names = await ReadyPodNamesAsync(service, cancellationToken).ConfigureAwait(false);
        if (names.Count == 0)
        {
            return null;
        }

        return new ServicePods(service, Name, await ForwardAsync(names, token, cancellationToken).ConfigureAwait(false), 0);
    }

    /// <summary>
    /// A plan that needs a fresh pod (a removed package) needs fresh pods everywhere: the setup epoch in the pod
    /// template goes up, which rolls every pod, and new pods replay setup only from peers of their own epoch, so none
    /// copies the old setup. Concurrent calls for several ranks share one rollout.
    /// </summary>
    public async Task<PodEndpoint> RecreateAsync(ServiceSpec spec, int rank, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Task<IReadOnlyList<PodEndpoint>> rollout;
        lock (_rolloutGate)
        {
            var (compute, epoch) = _deployed ?? throw new InvalidOperationException("RecreateAsync follows EnsureAsync.");
            rollout = _rollout ??= RollOutAsync(compute, epoch + 1, cancellationToken);
        }

        return (await rollout.ConfigureAwait(false))[rank];
    }

    private async Task<IReadOnlyList<PodEndpoint>> RollOutAsync(Compute compute, int epoch, CancellationToken cancellationToken)
    {
        var old = (await SnapshotAsync(compute.ServiceName, cancellationToken).ConfigureAwait(false)).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in old)
        {
            await DropForwardAsync(name).ConfigureAwait(false);
        }

        var context = ContextFor(compute, epoch);
        await _deployer.DeployAsync(compute, context, cancellationToken: cancellationToken).ConfigureAwait(false);
        var expected = Deployer.ExpectedPods(compute, context);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(compute.LaunchTimeout);
        await foreach (var pods in api.WatchPodsAsync(@namespace, KtLabels.SelectorFor(compute.ServiceName), deadline.Token).ConfigureAwait(false))
        {
            var fresh = pods.Where(p => p.Ready && !p.Terminating && !old.Contains(p.Name)).Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
            if (fresh.Count >= expected)
            {
                var token = (await FindTokenAsync(compute.ServiceName, cancellationToken).ConfigureAwait(false))!;
                lock (_rolloutGate)
                {
                    _deployed = (compute, epoch);
                }

                return await ForwardAsync(fresh.Take(expected).ToList(), token, cancellationToken).ConfigureAwait(false);
            }
        }

        throw new KtException(DevLoopErrors.PodStartFailed, $"the fresh pods of '{compute.ServiceName}' (setup epoch {epoch}) did not become ready.");
    }

    public async Task<bool> TeardownAsync(string service, CancellationToken cancellationToken = default)
    {
        foreach (var name in _forwards.Keys.ToList())
        {
            await DropForwardAsync(name).ConfigureAwait(false);
        }

        return (await _deployer.TeardownAsync(service, @namespace, cancellationToken).ConfigureAwait(false)).Count > 0;
    }

    /// <summary>
    /// The workloads Kt manages in this backend's namespace (whichever kind: Deployment, StatefulSet, Knative Service,
    /// RayCluster), each with its pods as the API server reports them: phase, readiness, restarts and recent events.
    /// </summary>
    public async Task<IReadOnlyList<CatalogService>> ListAsync(CancellationToken cancellationToken = default)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (apiVersion, kind) in Deployer.ManagedKinds.Where(k => k.Kind is not ("Service" or "Secret") || k.ApiVersion != "v1"))
        {
            try
            {
                foreach (var workload in await api.ListAsync(apiVersion, kind, @namespace, $"{KtLabels.ManagedBy}={KtLabels.ManagedByValue}", cancellationToken).ConfigureAwait(false))
                {
                    names.Add(workload.Name);
                }
            }
            catch (KtException e) when (e.Code == "KT5205")
            {
                // that CRD is not installed
            }
        }

        var services = new List<CatalogService>();
        foreach (var service in names)
        {
            var pods = (await SnapshotAsync(service, cancellationToken).ConfigureAwait(false)).OrderBy(p => p.Name, StringComparer.Ordinal).Select((pod, rank) =>
                new CatalogPod(pod.Name, rank, PodState(pod), pod.Created, PodEvents(pod))).ToList();
            var image = (string?)(await RunningContainerAsync(service, cancellationToken).ConfigureAwait(false))?["image"];
            services.Add(new CatalogService(service, Name, @namespace, image, pods));
        }

        return services;
    }

    private static string PodState(PodStatusSnapshot pod) =>
        pod.Phase + (pod.Ready ? ", ready" : ", not ready") + (pod.Terminating ? ", terminating" : "");

    private static IReadOnlyList<string> PodEvents(PodStatusSnapshot pod) =>
    [
        .. pod.Containers.Where(c => c.RestartCount > 0 || c.WaitingReason is not null || c.TerminatedReason is not null).Select(c =>
            $"container {c.Name}: {c.RestartCount} restart(s)"
            + (c.WaitingReason is null ? "" : $", waiting ({c.WaitingReason}{(c.WaitingMessage is null ? "" : ": " + c.WaitingMessage)})")
            + (c.TerminatedReason is null ? "" : $", terminated ({c.TerminatedReason}, exit code {c.ExitCode})")
            + (c.LastTerminatedReason is null ? "" : $", last terminated: {c.LastTerminatedReason}")),
        .. pod.Conditions.Where(c => c.Status != "True" && c.Reason is not null).Select(c => $"{c.Type}={c.Status}: {c.Reason}{(c.Message is null ? "" : " " + c.Message)}"),
        .. pod.Events,
    ];

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
    /// The Kt container of the service's workload as the cluster stores it (whichever kind it is), or null for a new
    /// service: its image is what a program using Kt.Client reuses, its setup epoch what a deploy keeps.
    /// </summary>
    private async Task<System.Text.Json.Nodes.JsonNode?> RunningContainerAsync(string service, CancellationToken cancellationToken) =>
        (await CurrentWorkloadAsync(service, cancellationToken).ConfigureAwait(false))?.Container;

    /// <summary>The service's workload (the first kind found in <see cref="Deployer.ManagedKinds"/> order) and its Kt container.</summary>
    private async Task<(ResourceRef Workload, System.Text.Json.Nodes.JsonNode Container)?> CurrentWorkloadAsync(string service, CancellationToken cancellationToken)
    {
        foreach (var (apiVersion, kind) in Deployer.ManagedKinds.Where(k => k.Kind is not ("Service" or "Secret") || k.ApiVersion != "v1"))
        {
            System.Text.Json.Nodes.JsonObject? workload;
            try
            {
                workload = await api.GetAsync(new ResourceRef(apiVersion, kind, @namespace, service), cancellationToken).ConfigureAwait(false);
            }
            catch (KtException e) when (e.Code == "KT5205")
            {
                continue; // that CRD is not installed
            }

            var template = workload?["spec"]?["template"] ?? workload?["spec"]?["headGroupSpec"]?["template"];
            if (template?["spec"]?["containers"]?[0] is { } container)
            {
                return (new ResourceRef(apiVersion, kind, @namespace, service), container);
            }
        }

        return null;
    }

    /// <summary>The setup epoch in the running pod template (1 for a new service).</summary>
    private static int EpochOf(System.Text.Json.Nodes.JsonNode? container) =>
        (container?["env"] as System.Text.Json.Nodes.JsonArray)?.FirstOrDefault(e => (string?)e?["name"] == EpochVariable)?["value"] is { } value
        && int.TryParse((string?)value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var epoch) ? epoch : 1;

    private static KtException NoRuntimeImage(string service) => new(DevLoopErrors.RuntimeImageMissing,
        $"'{service}' has no runtime image on the cluster yet: deploy it once with 'dotnet publish -p:KtDeploy=true' (KtCompute=kubernetes, ContainerRegistry set), which pushes the image its pods start from.");

    /// <summary>
    /// Dev mode, and the service's own address as the pods' peer: the Service routes only to ready pods, so a pod the
    /// cluster starts later (scale-up, a lost node) catches up with setup and code from a running one by itself.
    /// </summary>
    private RenderContext ContextFor(Compute compute, int epoch) => RenderContext.ForPodRuntime(compute.Port) with
    {
        Launch = PodRuntimeLayout.Live(compute.Port) with
        {
            // In the pod template: a pod the cluster starts later exports where the deployed ones do.
            OtlpEndpoint = _otlp.Endpoint,
            OtlpProtocol = _otlp.Protocol,
            SetupEpoch = epoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Knative answers on the service's own name at port 80 (through its ingress, to ready revisions only).
            Peer = compute.Autoscale is null
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

    /// <summary>
    /// The service's ready pods by name, in rank order (a terminating pod may still look ready: it is not counted).
    /// When pods of two workload kinds answer (a switch from <c>KtReplicas</c> to SPMD whose old pods the garbage
    /// collector has not reached yet), only the current workload's count: calls never reach the old ones.
    /// </summary>
    private async Task<IReadOnlyList<string>> ReadyPodNamesAsync(string service, CancellationToken cancellationToken)
    {
        var ready = (await SnapshotAsync(service, cancellationToken).ConfigureAwait(false)).Where(p => p.Ready && !p.Terminating).ToList();
        if (ready.Select(p => p.OwnerKind).Distinct().Count() > 1 && await CurrentWorkloadAsync(service, cancellationToken).ConfigureAwait(false) is { } current)
        {
            var owner = WorkloadPods.OwnerKind(current.Workload.ApiVersion, current.Workload.Kind);
            ready = ready.Where(p => WorkloadPods.BelongsTo(p, owner)).ToList();
        }

        return ready.Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<IReadOnlyList<PodStatusSnapshot>> SnapshotAsync(string service, CancellationToken cancellationToken)
    {
        // The first observation is the current state; leaving the loop ends the watch.
        await foreach (var pods in api.WatchPodsAsync(@namespace, KtLabels.SelectorFor(service), cancellationToken).ConfigureAwait(false))
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
                forward = await api.PortForwardAsync(@namespace, name, PodRuntimeLayout.Port, 0, cancellationToken).ConfigureAwait(false);
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
