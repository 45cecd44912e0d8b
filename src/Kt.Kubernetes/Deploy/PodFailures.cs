using Kt.Kubernetes.Api;

namespace Kt.Kubernetes.Deploy;

/// <summary>Reads pod snapshots for failures that waiting longer will not fix.</summary>
public static class PodFailures
{
    private static readonly HashSet<string> ImagePullReasons = ["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"];
    private static readonly string[] VolumeReasons = ["FailedMount", "FailedAttachVolume"];

    /// <summary>The typed failure a pod shows now, or null when it is fine or may still recover.</summary>
    public static DeploymentFailedException? Detect(PodStatusSnapshot pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var events = pod.Events;
        var eventText = events.Count == 0 ? "" : $" Events: {string.Join(" | ", events)}";

        if (pod.Phase == "Failed" && pod.Reason == "Evicted")
        {
            return new("KT5106", $"Pod {pod.Name} was evicted: {pod.Message}.{eventText}", pod.Name, "Evicted", events);
        }

        foreach (var container in pod.Containers)
        {
            if (container.TerminatedReason == "OOMKilled" || container.LastTerminatedReason == "OOMKilled")
            {
                var message = container.TerminatedMessage ?? container.LastTerminatedMessage;
                return new("KT5104", $"Container {container.Name} of pod {pod.Name} was killed for using more memory than its limit (OOMKilled){(string.IsNullOrWhiteSpace(message) ? "" : $": {message.Trim()}")}. Raise memory/memory limit.{eventText}", pod.Name, "OOMKilled", events);
            }

            if (container.WaitingReason is { } waiting && ImagePullReasons.Contains(waiting))
            {
                return new("KT5101", $"Pod {pod.Name} cannot pull its image ({waiting}): {container.WaitingMessage}.{eventText}", pod.Name, waiting, events)
                {
                    Transient = waiting is "ErrImagePull" or "ImagePullBackOff" && !SaysFinal(container.WaitingMessage + " " + string.Join(" ", events.Where(e => e.StartsWith("Failed:", StringComparison.Ordinal)))),
                };
            }

            if (container.WaitingReason == "CreateContainerConfigError")
            {
                return new("KT5107", $"Pod {pod.Name} cannot create its container (a Secret, ConfigMap or key it needs is missing?): {container.WaitingMessage}.{eventText}", pod.Name, "CreateContainerConfigError", events);
            }

            if (container.WaitingReason == "ContainerCreating" && CurrentVolumeFailure(events) is { } volume)
            {
                return new("KT5108", $"Pod {pod.Name} cannot mount a volume ({volume}). Create the Secret or PersistentVolumeClaim it names in this namespace, or fix the KtSecret/KtVolume item.{eventText}", pod.Name, volume[..volume.IndexOf(':', StringComparison.Ordinal)], events)
                {
                    Transient = !SaysFinal(volume),
                };
            }

            if (container.WaitingReason == "CrashLoopBackOff")
            {
                var last = container.LastTerminatedMessage ?? container.WaitingMessage;
                return new("KT5105", $"Container {container.Name} of pod {pod.Name} keeps crashing (restarted {container.RestartCount} times, last exit reason {container.LastTerminatedReason ?? "unknown"}): {last}.{eventText}", pod.Name, "CrashLoopBackOff", events);
            }
        }

        var scheduled = pod.Conditions.FirstOrDefault(c => c.Type == "PodScheduled");
        if (scheduled is { Status: "False", Reason: "Unschedulable" } && !ScaleUpUnderway(events))
        {
            var why = events.LastOrDefault(e => e.StartsWith("FailedScheduling", StringComparison.Ordinal)) ?? scheduled.Message;
            return new("KT5102", $"Pod {pod.Name} cannot be scheduled (not enough resources, no matching node, or an untolerated taint): {why}", pod.Name, "Unschedulable", events);
        }

        return null;
    }

    /// <summary>
    /// The last volume failure, unless the kubelet moved on after it (pulling, creating, attaching): an event outlives
    /// the condition it reported by an hour, so a mount that failed once and then worked must not count while the
    /// container is still being created for another reason (a large image).
    /// </summary>
    private static string? CurrentVolumeFailure(IReadOnlyList<string> events)
    {
        var failure = events.Select((e, i) => (e, i)).LastOrDefault(x => VolumeReasons.Any(r => x.e.StartsWith(r + ":", StringComparison.Ordinal)));
        if (failure.e is null)
        {
            return null;
        }

        var movedOn = events.Skip(failure.i + 1).Any(e => ProgressReasons.Any(r => e.StartsWith(r + ":", StringComparison.Ordinal)));
        return movedOn ? null : failure.e;
    }

    private static readonly string[] ProgressReasons = ["SuccessfulAttachVolume", "Pulling", "Pulled", "Created", "Started"];

    /// <summary>
    /// Whether the kubelet's message names something that is not there (a Secret, ConfigMap, claim, image or tag) or
    /// refused (credentials): retrying will not fix it. Anything else (a cache that did not sync in time, an attach or
    /// a registry that timed out, a rate limit) may clear by itself.
    /// </summary>
    private static bool SaysFinal(string? message) =>
        message is not null && FinalMarkers.Any(m => message.Contains(m, StringComparison.OrdinalIgnoreCase));

    private static readonly string[] FinalMarkers = ["not found", "manifest unknown", "unauthorized", "denied", "forbidden", "invalid reference"];

    // The cluster autoscaler is adding a node for this pod: Unschedulable is temporary.
    private static bool ScaleUpUnderway(IReadOnlyList<string> events) =>
        events.Any(e => e.StartsWith("TriggeredScaleUp", StringComparison.Ordinal));
}
