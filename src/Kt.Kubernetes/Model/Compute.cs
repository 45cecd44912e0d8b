using Kt.Core;

namespace Kt.Kubernetes.Model;

/// <summary>
/// What a Kt service needs from a cluster: resources, scheduling, storage, identity and how it scales. A plain
/// immutable description (no Kubernetes client types) that <see cref="Rendering.ManifestRenderer"/> turns into
/// typed manifests. Call <see cref="ComputeValidator.Validate"/> (the renderer does) before using it.
/// </summary>
/// <remarks>Quantities use Kubernetes syntax (<c>"500m"</c>, <c>"2"</c>, <c>"4Gi"</c>); null means "not requested".</remarks>
public sealed record Compute
{
    /// <summary>The Service/workload name (<see cref="ServiceNames"/>: 1–40 characters of a DNS-1035 label).</summary>
    public required string ServiceName { get; init; }

    /// <summary>Namespace to deploy into (DNS-1123 label).</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>Image reference the pods run (tag or digest); frozen deploys require a digest.</summary>
    public required string Image { get; init; }

    /// <summary>The port the Kt pod runtime listens on.</summary>
    public int Port { get; init; } = 32300;

    /// <summary>CPU request, e.g. <c>"500m"</c> or <c>"2"</c>.</summary>
    public string? Cpus { get; init; }

    /// <summary>Memory request, e.g. <c>"4Gi"</c>.</summary>
    public string? Memory { get; init; }

    /// <summary>Ephemeral-storage limit; only rendered when set.</summary>
    public string? DiskLimit { get; init; }

    /// <summary>Number of <c>nvidia.com/gpu</c> per pod (request and limit, as the device plugin requires).</summary>
    public int Gpus { get; init; }

    /// <summary>Pod count for the plain (non-autoscaled, non-distributed) workload.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>
    /// The cluster side of the project's definition, taken whole: the renderer reads every cluster field from here, so
    /// a field added to <see cref="ClusterDeclaration"/> needs no copy in this model. The properties below are views of
    /// it for code that sets one field (<c>compute with { GpuType = … }</c>).
    /// </summary>
    public ClusterDeclaration Cluster { get; init; } = new();

    /// <summary>Ephemeral-storage request, e.g. <c>"20Gi"</c>.</summary>
    public string? Disk { get => Cluster.Disk; init => Cluster = Cluster with { Disk = value }; }

    /// <summary>CPU limit; only rendered when set (Kt never invents limits).</summary>
    public string? CpusLimit { get => Cluster.CpusLimit; init => Cluster = Cluster with { CpusLimit = value }; }

    /// <summary>Memory limit; only rendered when set.</summary>
    public string? MemoryLimit { get => Cluster.MemoryLimit; init => Cluster = Cluster with { MemoryLimit = value }; }

    /// <summary>GPU product (node label <c>nvidia.com/gpu.product</c>), e.g. <c>"NVIDIA-A100-SXM4-80GB"</c>.</summary>
    public string? GpuType { get => Cluster.GpuType; init => Cluster = Cluster with { GpuType = value }; }

    /// <summary>Spread GPU pods of this service over different nodes (preferred pod anti-affinity on the hostname).</summary>
    public bool GpuAntiAffinity { get; init; }

    public IReadOnlyDictionary<string, string> NodeSelector { get => Cluster.NodeSelector; init => Cluster = Cluster with { NodeSelector = value }; }

    public IReadOnlyList<TolerationSpec> Tolerations { get => Cluster.Tolerations; init => Cluster = Cluster with { Tolerations = value }; }

    /// <summary>Extra labels on the workload and its pods.</summary>
    public IReadOnlyDictionary<string, string> Labels { get => Cluster.Labels; init => Cluster = Cluster with { Labels = value }; }

    /// <summary>Extra annotations on the workload and its pods.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get => Cluster.Annotations; init => Cluster = Cluster with { Annotations = value }; }

    public IReadOnlyList<SecretMount> Secrets { get => Cluster.Secrets; init => Cluster = Cluster with { Secrets = value }; }

    public IReadOnlyList<PvcVolume> Volumes { get => Cluster.Volumes; init => Cluster = Cluster with { Volumes = value }; }

    /// <summary>Size of the memory-backed <c>/dev/shm</c> (e.g. <c>"2Gi"</c>); null for the container default.</summary>
    public string? SharedMemorySize { get => Cluster.SharedMemory; init => Cluster = Cluster with { SharedMemory = value }; }

    /// <summary>How long a pod may take to start before the startup probe gives up (and the deploy times out); 10 minutes unless declared.</summary>
    public TimeSpan LaunchTimeout { get => Cluster.LaunchTimeout ?? TimeSpan.FromMinutes(10); init => Cluster = Cluster with { LaunchTimeout = value }; }

    public string? ServiceAccount { get => Cluster.ServiceAccount; init => Cluster = Cluster with { ServiceAccount = value }; }

    public string? PriorityClass { get => Cluster.PriorityClass; init => Cluster = Cluster with { PriorityClass = value }; }

    /// <summary>Tear the service down after this long without calls; recorded as annotation <c>kt.dev/inactivity-ttl</c>.</summary>
    public TimeSpan? InactivityTtl { get => Cluster.InactivityTtl; init => Cluster = Cluster with { InactivityTtl = value }; }

    /// <summary>Kueue LocalQueue name (label <c>kueue.x-k8s.io/queue-name</c>).</summary>
    public string? QueueName { get => Cluster.Queue; init => Cluster = Cluster with { Queue = value }; }

    /// <summary>Scale with Knative instead of a fixed replica count. Exclusive with <see cref="Distribute"/>.</summary>
    public Autoscale? Autoscale { get => Cluster.Autoscale; init => Cluster = Cluster with { Autoscale = value }; }

    /// <summary>Run as a distributed group (Ray cluster or SPMD ranks). Exclusive with <see cref="Autoscale"/>.</summary>
    public Distribute? Distribute { get => Cluster.Distribute; init => Cluster = Cluster with { Distribute = value }; }
}
