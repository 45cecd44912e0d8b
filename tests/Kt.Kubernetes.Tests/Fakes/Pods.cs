using Kt.Kubernetes.Api;

namespace Kt.Kubernetes.Tests.Fakes;

/// <summary>Pod status snapshots as a real cluster reports them in common situations.</summary>
internal static class Pods
{
    public static PodStatusSnapshot Pending(string name) => new(name, "Pending", false, [], [], []);

    public static PodStatusSnapshot Starting(string name) =>
        new(name, "Running", false, [new ContainerStatusSnapshot("kt", false)], [new PodConditionSnapshot("Ready", "False")], []);

    public static PodStatusSnapshot Ready(string name) =>
        new(name, "Running", true, [new ContainerStatusSnapshot("kt", true)], [new PodConditionSnapshot("Ready", "True")], []);

    public static PodStatusSnapshot ImagePullBackOff(string name) => new(
        name,
        "Pending",
        false,
        [new ContainerStatusSnapshot("kt", false, WaitingReason: "ImagePullBackOff", WaitingMessage: "Back-off pulling image \"registry.local/app:missing\"")],
        [],
        ["Failed: Failed to pull image \"registry.local/app:missing\": not found"]);

    public static PodStatusSnapshot Unschedulable(string name, params string[] extraEvents) => new(
        name,
        "Pending",
        false,
        [],
        [new PodConditionSnapshot("PodScheduled", "False", "Unschedulable", "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")],
        [.. extraEvents, "FailedScheduling: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available."]);

    public static PodStatusSnapshot OomKilled(string name) => new(
        name,
        "Running",
        false,
        [new ContainerStatusSnapshot("kt", false, RestartCount: 1, WaitingReason: "CrashLoopBackOff", LastTerminatedReason: "OOMKilled", LastTerminatedMessage: "loading model weights", ExitCode: null)],
        [],
        ["BackOff: Back-off restarting failed container kt"]);
}
