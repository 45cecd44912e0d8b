namespace Kt.Kubernetes.Rendering;

/// <summary>Label and annotation keys Kt writes; teardown and pod watches select on <see cref="Service"/>.</summary>
public static class KtLabels
{
    public const string Name = "app.kubernetes.io/name";
    public const string ManagedBy = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "kt";
    public const string Service = "kt.dev/service";

    /// <summary>Role of a pod inside a distributed group (<c>head</c>/<c>worker</c> for Ray, <c>rank</c> for SPMD).</summary>
    public const string Role = "kt.dev/role";

    public const string InactivityTtl = "kt.dev/inactivity-ttl";
    public const string KueueQueueName = "kueue.x-k8s.io/queue-name";
    public const string GpuProduct = "nvidia.com/gpu.product";
    public const string GpuResource = "nvidia.com/gpu";

    /// <summary>Set by the StatefulSet controller on every pod (GA in Kubernetes 1.32): the pod's ordinal, used as RANK.</summary>
    public const string PodIndex = "apps.kubernetes.io/pod-index";

    /// <summary>The label selector string for everything Kt deployed for <paramref name="serviceName"/>.</summary>
    public static string SelectorFor(string serviceName) => $"{Service}={serviceName},{ManagedBy}={ManagedByValue}";
}
