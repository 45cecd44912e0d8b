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
                return new("KT5101", $"Pod {pod.Name} cannot pull its image ({waiting}): {container.WaitingMessage}.{eventText}", pod.Name, waiting, events);
            }

            if (container.WaitingReason == "CreateContainerConfigError")
            {
                return new("KT5107", $"Pod {pod.Name} cannot create its container (a Secret, ConfigMap or key it needs is missing?): {container.WaitingMessage}.{eventText}", pod.Name, "CreateContainerConfigError", events);
            }

            if (container.WaitingReason == "ContainerCreating" && events.LastOrDefault(e => VolumeReasons.Any(r => e.StartsWith(r + ":", StringComparison.Ordinal))) is { } volume)
            {
                return new("KT5108", $"Pod {pod.Name} cannot mount a volume ({volume}). Create the Secret or PersistentVolumeClaim it names in this namespace, or fix the KtSecret/KtVolume item.{eventText}", pod.Name, volume[..volume.IndexOf(':', StringComparison.Ordinal)], events);
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

    // The cluster autoscaler is adding a node for this pod: Unschedulable is temporary.
    private static bool ScaleUpUnderway(IReadOnlyList<string> events) =>
        events.Any(e => e.StartsWith("TriggeredScaleUp", StringComparison.Ordinal));
}
