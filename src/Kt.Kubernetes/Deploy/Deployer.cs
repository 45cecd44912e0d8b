using Kt.Core;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Crd;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;
using Kt.Kubernetes.Validation;
using Kt.PodRuntime.Protocol;

namespace Kt.Kubernetes.Deploy;

/// <summary>
/// Deploys a <see cref="Compute"/>: renders, validates, server-side applies every object in order (re-applying is
/// idempotent), then waits until the expected number of pods is ready or a typed failure shows
/// (<see cref="DeploymentFailedException"/>). Tears everything down by the service's labels.
/// </summary>
public sealed class Deployer(IKubernetesApi api, ManifestValidator? validator = null)
{
    /// <summary>The field manager Kt applies with.</summary>
    public const string FieldManager = "kt";

    /// <summary>The kinds Kt creates, in teardown order (workloads first, Services last).</summary>
    public static IReadOnlyList<(string ApiVersion, string Kind)> ManagedKinds { get; } =
    [
        (KnativeService.GroupVersion, "Service"),
        (RayCluster.GroupVersion, "RayCluster"),
        ("apps/v1", "StatefulSet"),
        ("apps/v1", "Deployment"),
        ("v1", "Service"),
        ("v1", "Secret"),
    ];

    /// <summary>
    /// How long a failure the kubelet retries by itself (<see cref="DeploymentFailedException.Transient"/>) must persist
    /// before it fails the deploy; until then it is progress. A failure that is still there when the launch timeout
    /// passes is reported as itself, not as a timeout.
    /// </summary>
    public TimeSpan TransientGrace { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Applies the service's manifests and waits for readiness (at most <see cref="Compute.LaunchTimeout"/> unless <paramref name="timeout"/> is given).</summary>
    public async Task<DeployResult> DeployAsync(Compute compute, RenderContext context, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var objects = ManifestRenderer.Render(compute, context);
        foreach (var manifest in objects)
        {
            validator?.EnsureValid(manifest);
        }

        // Adopted pods run with whatever token they were started with; Kt's own pods read the service's Secret.
        var token = context.AdoptPodsSelector is null ? await EnsureTokenAsync(compute, cancellationToken).ConfigureAwait(false) : null;
        var applied = new List<ResourceRef>();
        foreach (var manifest in objects)
        {
            await api.ApplyAsync(manifest, FieldManager, force: true, cancellationToken).ConfigureAwait(false);
            applied.Add(ManifestJson.Identify(manifest));
        }

        var selector = context.AdoptPodsSelector is { } adopt
            ? string.Join(",", adopt.Select(kv => $"{kv.Key}={kv.Value}"))
            : $"{KtLabels.Service}={compute.ServiceName}";
        // A changed pod template rolls the pods: wait for the new ReplicaSet, or the old pods (still ready, about to
        // terminate) would count.
        var rollout = context.AdoptPodsSelector is null ? applied.FirstOrDefault(r => r is { ApiVersion: "apps/v1", Kind: "Deployment" }) : null;
        // Pods of a workload of another kind (before a switch) carry the same service label: only the new one's count.
        var ownerKind = context.AdoptPodsSelector is null && WorkloadPods.Workload(applied) is { } workload ? WorkloadPods.OwnerKind(workload.ApiVersion, workload.Kind) : null;
        try
        {
            var ready = await WaitReadyAsync(compute.Namespace, selector, ExpectedPods(compute, context), timeout ?? compute.LaunchTimeout, cancellationToken, rollout, ownerKind).ConfigureAwait(false);
            // Only once the new pods serve: a deploy that fails leaves the previous workload serving.
            var removed = context.AdoptPodsSelector is null ? await RemoveStaleAsync(compute, applied, cancellationToken).ConfigureAwait(false) : [];
            return new DeployResult(applied, ready, token) { Removed = removed };
        }
        catch (DeploymentFailedException failure) when (context.AdoptPodsSelector is null)
        {
            throw failure.With(Leftovers(compute, applied, failure, token is not null));
        }
    }

    /// <summary>
    /// Deletes what an earlier deploy of the service created and this one did not render (found by the service's
    /// labels, and made by Kt itself, not by a controller): the Deployment of <c>KtReplicas</c> once the service is SPMD,
    /// the headless Service of ranks once it is not. Their pods go with them (owner references, background
    /// propagation). The token Secret is kept.
    /// </summary>
    private async Task<IReadOnlyList<ResourceRef>> RemoveStaleAsync(Compute compute, IReadOnlyList<ResourceRef> applied, CancellationToken cancellationToken)
    {
        var removed = new List<ResourceRef>();
        foreach (var (apiVersion, kind) in ManagedKinds.Where(k => k is not ("v1", "Secret")))
        {
            IReadOnlyList<ResourceRef> found;
            try
            {
                found = await api.ListAsync(apiVersion, kind, compute.Namespace, KtLabels.SelectorFor(compute.ServiceName), cancellationToken).ConfigureAwait(false);
            }
            catch (KtException e) when (e.Code is "KT5205" or "KT5204")
            {
                continue; // a CRD that is not installed, or a kind this user may not list: Kt cannot have left one there
            }

            foreach (var stale in found.Where(f => !applied.Any(a => a.ApiVersion == f.ApiVersion && a.Kind == f.Kind && a.Name == f.Name)))
            {
                // An object with an owner was made by a controller from one of Kt's (KubeRay's head Service may carry
                // the labels of its RayCluster): its owner's lifetime is its own.
                var stored = await api.GetAsync(stale, cancellationToken).ConfigureAwait(false);
                if (stored?["metadata"]?["ownerReferences"] is System.Text.Json.Nodes.JsonArray { Count: > 0 })
                {
                    continue;
                }

                if (stored is not null && await api.DeleteAsync(stale, cancellationToken).ConfigureAwait(false))
                {
                    removed.Add(stale);
                }
            }
        }

        return removed;
    }

    /// <summary>What a failed launch left on the cluster and how to remove it (nothing is rolled back: the next deploy reuses it).</summary>
    private static string Leftovers(Compute compute, IReadOnlyList<ResourceRef> applied, DeploymentFailedException failure, bool hasToken)
    {
        var workload = applied.FirstOrDefault(r => r.Kind != "Service" || r.ApiVersion != "v1");
        var controllerMissing = failure.Code == "KT5103" && failure.Reason == "NoPods" && workload is not null && workload.ApiVersion != "apps/v1"
            ? $" No pod was ever created: the controller of {workload.Kind}.{workload.ApiVersion} ({(workload.Kind == "RayCluster" ? "KubeRay" : "Knative Serving")}) is not running on this cluster, although its CRD is installed."
            : "";
        var left = applied.Select(r => $"{r.Kind} {r.Name}").Prepend(hasToken ? $"Secret {PodRuntimeLayout.TokenSecretName(compute.ServiceName)}" : null).OfType<string>();
        return $"{controllerMissing} Left on the cluster in namespace '{compute.Namespace}': {string.Join(", ", left)}. "
            + $"Remove them with 'dotnet build -t:KtTeardown' or 'kubectl -n {compute.Namespace} delete {string.Join(",", applied.Select(KubectlName).Distinct().Append("secret"))} -l {KtLabels.SelectorFor(compute.ServiceName)}'.";
    }

    /// <summary>The token in the service's Secret, or null when there is none yet.</summary>
    public async Task<string?> ReadTokenAsync(string serviceName, string @namespace, CancellationToken cancellationToken = default)
    {
        var secret = await api.GetAsync(new ResourceRef("v1", "Secret", @namespace, PodRuntimeLayout.TokenSecretName(serviceName)), cancellationToken).ConfigureAwait(false);
        return (string?)secret?["data"]?[PodRuntimeLayout.TokenSecretKey] is { Length: > 0 } encoded
            ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(encoded))
            : null;
    }

    /// <summary>
    /// The service's bearer token: read from its Secret, or created once (random, 256 bits) so that re-deploys keep
    /// the token that running pods and clients already hold.
    /// </summary>
    public async Task<string> EnsureTokenAsync(Compute compute, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compute);
        if (await ReadTokenAsync(compute.ServiceName, compute.Namespace, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        var name = PodRuntimeLayout.TokenSecretName(compute.ServiceName);
        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var secret = new k8s.Models.V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new k8s.Models.V1ObjectMeta { Name = name, NamespaceProperty = compute.Namespace, Labels = ManifestRenderer.Labels(compute) },
            Type = "Opaque",
            StringData = new Dictionary<string, string> { [PodRuntimeLayout.TokenSecretKey] = token },
        };
        validator?.EnsureValid(secret);
        await api.ApplyAsync(secret, FieldManager, force: true, cancellationToken).ConfigureAwait(false);
        return token;
    }

    /// <summary>How many ready pods mean "deployed".</summary>
    public static int ExpectedPods(Compute compute, RenderContext context)
    {
        ArgumentNullException.ThrowIfNull(compute);
        ArgumentNullException.ThrowIfNull(context);
        return compute switch
        {
            _ when context.AdoptPodsSelector is not null => 1,
            { Distribute: { } distribute } => distribute.Workers,
            { Autoscale: { } autoscale } => Math.Max(1, autoscale.Min ?? 0),
            _ => compute.Replicas,
        };
    }

    /// <summary>
    /// Waits until at least <paramref name="expected"/> pods matching <paramref name="labelSelector"/> are ready (and
    /// not terminating); throws <see cref="DeploymentFailedException"/> on the first pod failure or when
    /// <paramref name="timeout"/> passes. With <paramref name="rollout"/> (a Deployment), pods count only once its
    /// latest template is rolled out: observedGeneration caught up, every replica updated, no old replica left. With
    /// <paramref name="ownerKind"/>, only pods that kind controls count (<see cref="WorkloadPods.OwnerKind"/>).
    /// </summary>
    public async Task<IReadOnlyList<string>> WaitReadyAsync(string @namespace, string labelSelector, int expected, TimeSpan timeout, CancellationToken cancellationToken = default, ResourceRef? rollout = null, string? ownerKind = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        IReadOnlyList<PodStatusSnapshot> last = [];
        var transient = new TransientFailures(TransientGrace);
        try
        {
            await foreach (var observed in api.WatchPodsAsync(@namespace, labelSelector, deadline.Token).ConfigureAwait(false))
            {
                var pods = observed.Where(p => WorkloadPods.BelongsTo(p, ownerKind)).ToList();
                last = pods;
                if (transient.Observe(pods.Select(p => PodFailures.Detect(p)).OfType<DeploymentFailedException>()) is { } failure)
                {
                    throw failure;
                }

                if (rollout is not null && !await RolledOutAsync(rollout, deadline.Token).ConfigureAwait(false))
                {
                    continue;
                }

                var ready = pods.Where(p => p.Ready && !p.Terminating).Select(p => p.Name).ToList();
                // More ready pods than replicas after a rollout: this pod list was taken before the old pods were
                // marked for deletion (the status was read after it); the next list tells them apart.
                if (ready.Count >= expected && (rollout is null || ready.Count == expected))
                {
                    return ready;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The deadline passed: report as a timeout below.
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (transient.Oldest() is { } lasting)
        {
            throw lasting; // still failing when time ran out: that is what kept the pods from becoming ready
        }

        var summary = last.Count == 0
            ? "no pod matched the selector"
            : string.Join("; ", last.Select(p => $"{p.Name} {p.Phase}{(p.Ready ? " ready" : "")}"));
        throw new DeploymentFailedException(
            "KT5103",
            $"Timed out after {timeout} waiting for {expected} ready pod(s) with {labelSelector} in '{@namespace}': {summary}.{(last.Count == 0 ? "" : " Raise the launch timeout if setup is slow.")}",
            podName: null,
            reason: last.Count == 0 ? "NoPods" : "Timeout",
            events: last.SelectMany(p => p.Events).ToList());
    }

    /// <summary>The name kubectl knows a kind by (a Knative Service is <c>ksvc</c>, not the core <c>service</c>).</summary>
    private static string KubectlName(ResourceRef resource) => resource.ApiVersion == KnativeService.GroupVersion ? "ksvc" : resource.Kind.ToLowerInvariant();

    /// <summary>The Deployment's controller has acted on its latest spec and no pod of an older template remains.</summary>
    private async Task<bool> RolledOutAsync(ResourceRef deployment, CancellationToken cancellationToken)
    {
        var stored = await api.GetAsync(deployment, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return false;
        }

        var status = stored["status"];
        var updated = Number(status?["updatedReplicas"]);
        return Number(status?["observedGeneration"]) >= Number(stored["metadata"]?["generation"])
            && updated >= Number(stored["spec"]?["replicas"], 1)
            && Number(status?["replicas"]) <= updated;
    }

    // Whatever numeric type the node holds (parsed JSON or built in memory).
    private static long Number(System.Text.Json.Nodes.JsonNode? node, long absent = 0) =>
        node is null ? absent : long.Parse(node.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Deletes every object Kt created for <paramref name="serviceName"/> (found by its labels); returns what was deleted.</summary>
    public async Task<IReadOnlyList<ResourceRef>> TeardownAsync(string serviceName, string @namespace = "default", CancellationToken cancellationToken = default)
    {
        var deleted = new List<ResourceRef>();
        foreach (var (apiVersion, kind) in ManagedKinds)
        {
            IReadOnlyList<ResourceRef> found;
            try
            {
                found = await api.ListAsync(apiVersion, kind, @namespace, KtLabels.SelectorFor(serviceName), cancellationToken).ConfigureAwait(false);
            }
            catch (KtException e) when (e.Code == "KT5205")
            {
                continue; // The CRD is not installed: nothing of that kind can exist.
            }

            foreach (var resource in found)
            {
                if (await api.DeleteAsync(resource, cancellationToken).ConfigureAwait(false))
                {
                    deleted.Add(resource);
                }
            }
        }

        return deleted;
    }
}

/// <summary>What a deploy applied, which pods were ready at the end, and the bearer token the pods accept (null for adopted pods).</summary>
public sealed record DeployResult(IReadOnlyList<ResourceRef> Applied, IReadOnlyList<string> ReadyPods, string? Token = null)
{
    /// <summary>Objects of an earlier deploy that this one no longer renders, deleted once its pods were ready.</summary>
    public IReadOnlyList<ResourceRef> Removed { get; init; } = [];
}
