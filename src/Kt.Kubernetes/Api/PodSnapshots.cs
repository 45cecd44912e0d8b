using k8s.Models;

namespace Kt.Kubernetes.Api;

/// <summary>Turns KubernetesClient's <see cref="V1Pod"/> into <see cref="PodStatusSnapshot"/>.</summary>
public static class PodSnapshots
{
    public static PodStatusSnapshot From(V1Pod pod, IReadOnlyList<string> events)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var status = pod.Status;
        var containers = (status?.ContainerStatuses ?? []).Select(c => new ContainerStatusSnapshot(
            c.Name,
            c.Ready,
            c.RestartCount,
            c.State?.Waiting?.Reason,
            c.State?.Waiting?.Message,
            c.State?.Terminated?.Reason,
            c.State?.Terminated?.Message,
            c.State?.Terminated?.ExitCode,
            c.LastState?.Terminated?.Reason,
            c.LastState?.Terminated?.Message)).ToList();
        var conditions = (status?.Conditions ?? []).Select(c => new PodConditionSnapshot(c.Type, c.Status, c.Reason, c.Message)).ToList();
        return new PodStatusSnapshot(
            pod.Metadata?.Name ?? "",
            status?.Phase ?? "Pending",
            conditions.Any(c => c.Type == "Ready" && c.Status == "True"),
            containers,
            conditions,
            events,
            status?.Reason,
            status?.Message,
            pod.Metadata?.DeletionTimestamp is not null,
            pod.Metadata?.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null,
            pod.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Controller == true)?.Kind);
    }

    /// <summary>
    /// True when the pod shows a problem whose events explain it, or is still being created: a volume that cannot be
    /// mounted (FailedMount, FailedAttachVolume) shows only in events while the container waits in ContainerCreating.
    /// </summary>
    public static bool NeedsEvents(PodStatusSnapshot pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return !pod.Terminating && (pod.Phase == "Failed"
            || pod.Conditions.Any(c => c.Type == "PodScheduled" && c.Status == "False")
            || pod.Containers.Any(c => c.WaitingReason is not null || c.TerminatedReason is not null || c.LastTerminatedReason is not null));
    }
}
