using System.Text.Json.Nodes;

namespace Kt.Kubernetes.Api;

/// <summary>
/// The one seam between Kt and a Kubernetes API server. <see cref="KubernetesClientApi"/> implements it over
/// KubernetesClient; tests use an in-memory fake. Everything above it (<see cref="Deploy.Deployer"/>) is tested.
/// </summary>
public interface IKubernetesApi
{
    /// <summary>
    /// Server-side apply (PATCH, <c>application/apply-patch+yaml</c>) of one object under <paramref name="fieldManager"/>.
    /// Idempotent: applying the same object again changes nothing. With <paramref name="force"/>, fields owned by
    /// another manager are taken over instead of failing with a conflict. Returns the object as stored.
    /// </summary>
    Task<JsonObject> ApplyAsync(object manifest, string fieldManager = "kt", bool force = true, CancellationToken cancellationToken = default);

    /// <summary>The stored object, or null when it does not exist.</summary>
    Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object (background propagation); false when it did not exist.</summary>
    Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default);

    /// <summary>Objects of one kind in a namespace matching a label selector (e.g. <c>kt.dev/service=x</c>).</summary>
    Task<IReadOnlyList<ResourceRef>> ListAsync(string apiVersion, string kind, string @namespace, string labelSelector, CancellationToken cancellationToken = default);

    /// <summary>
    /// Status snapshots of the pods matching <paramref name="labelSelector"/>: one list per observation, until
    /// cancelled. Snapshots carry the recent events of pods that have a problem (scheduling, image pull, OOM).
    /// </summary>
    IAsyncEnumerable<IReadOnlyList<PodStatusSnapshot>> WatchPodsAsync(string @namespace, string labelSelector, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forwards <paramref name="localPort"/> on 127.0.0.1 (0: any free port, see <see cref="PortForwarder.LocalPort"/>)
    /// to <paramref name="podPort"/> of a pod until the returned forwarder is disposed (the dev loop's way in when the
    /// cluster network is not reachable).
    /// </summary>
    Task<PortForwarder> PortForwardAsync(string @namespace, string podName, int podPort, int localPort, CancellationToken cancellationToken = default);
}

/// <summary>One pod as the deployer needs to see it.</summary>
/// <param name="Name">Pod name.</param>
/// <param name="Phase">Pending, Running, Succeeded, Failed or Unknown.</param>
/// <param name="Ready">The pod's Ready condition is True.</param>
/// <param name="Reason">The pod-level reason (e.g. <c>Evicted</c>), if any.</param>
/// <param name="Message">The pod-level message, if any.</param>
/// <param name="Terminating">The pod is being deleted (it has a deletion timestamp and may still look ready).</param>
/// <param name="Created">When the API server created the pod (its age in <c>kt status</c>), if known.</param>
/// <param name="Containers">Per-container state.</param>
/// <param name="Conditions">Pod conditions (e.g. PodScheduled=False, reason Unschedulable).</param>
/// <param name="Events">Recent event messages about the pod, oldest first, as <c>Reason: message</c>.</param>
/// <param name="OwnerKind">The kind of the pod's controller (ReplicaSet for a Deployment's pods, StatefulSet, RayCluster), if any.</param>
public sealed record PodStatusSnapshot(
    string Name,
    string Phase,
    bool Ready,
    IReadOnlyList<ContainerStatusSnapshot> Containers,
    IReadOnlyList<PodConditionSnapshot> Conditions,
    IReadOnlyList<string> Events,
    string? Reason = null,
    string? Message = null,
    bool Terminating = false,
    DateTimeOffset? Created = null,
    string? OwnerKind = null);

/// <summary>A container's current state (waiting or terminated) and its last termination.</summary>
public sealed record ContainerStatusSnapshot(
    string Name,
    bool Ready,
    int RestartCount = 0,
    string? WaitingReason = null,
    string? WaitingMessage = null,
    string? TerminatedReason = null,
    string? TerminatedMessage = null,
    int? ExitCode = null,
    string? LastTerminatedReason = null,
    string? LastTerminatedMessage = null);

public sealed record PodConditionSnapshot(string Type, string Status, string? Reason = null, string? Message = null);
