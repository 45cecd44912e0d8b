namespace Kt.Kubernetes.Model;

/// <summary>
/// What a Kt service needs from a cluster: resources, scheduling, storage, identity and how it scales. A plain
/// immutable description (no Kubernetes client types) that <see cref="Rendering.ManifestRenderer"/> turns into
/// typed manifests. Call <see cref="ComputeValidator.Validate"/> (the renderer does) before using it.
/// </summary>
/// <remarks>Quantities use Kubernetes syntax (<c>"500m"</c>, <c>"2"</c>, <c>"4Gi"</c>); null means "not requested".</remarks>
public sealed record Compute
{
    /// <summary>The Service/workload name (DNS-1123 label, at most 63 characters).</summary>
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

    /// <summary>Ephemeral-storage request, e.g. <c>"20Gi"</c>.</summary>
    public string? Disk { get; init; }

    /// <summary>CPU limit; only rendered when set (Kt never invents limits).</summary>
    public string? CpusLimit { get; init; }

    /// <summary>Memory limit; only rendered when set.</summary>
    public string? MemoryLimit { get; init; }

    /// <summary>Ephemeral-storage limit; only rendered when set.</summary>
    public string? DiskLimit { get; init; }

    /// <summary>Number of <c>nvidia.com/gpu</c> per pod (request and limit, as the device plugin requires).</summary>
    public int Gpus { get; init; }

    /// <summary>GPU product (node label <c>nvidia.com/gpu.product</c>), e.g. <c>"NVIDIA-A100-SXM4-80GB"</c>.</summary>
    public string? GpuType { get; init; }

    /// <summary>Spread GPU pods of this service over different nodes (preferred pod anti-affinity on the hostname).</summary>
    public bool GpuAntiAffinity { get; init; }

    /// <summary>Pod count for the plain (non-autoscaled, non-distributed) workload.</summary>
    public int Replicas { get; init; } = 1;

    public IReadOnlyDictionary<string, string> NodeSelector { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<TolerationSpec> Tolerations { get; init; } = [];

    /// <summary>Extra labels on the workload and its pods.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra annotations on the workload and its pods.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<SecretMount> Secrets { get; init; } = [];

    public IReadOnlyList<PvcVolume> Volumes { get; init; } = [];

    /// <summary>Size of the memory-backed <c>/dev/shm</c> (e.g. <c>"2Gi"</c>); null for the container default.</summary>
    public string? SharedMemorySize { get; init; }

    /// <summary>How long a pod may take to start before the startup probe gives up (and the deploy times out).</summary>
    public TimeSpan LaunchTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public string? ServiceAccount { get; init; }

    public string? PriorityClass { get; init; }

    /// <summary>Tear the service down after this long without calls; recorded as annotation <c>kt.dev/inactivity-ttl</c>.</summary>
    public TimeSpan? InactivityTtl { get; init; }

    /// <summary>Kueue LocalQueue name (label <c>kueue.x-k8s.io/queue-name</c>).</summary>
    public string? QueueName { get; init; }

    /// <summary>Scale with Knative instead of a fixed replica count. Exclusive with <see cref="Distribute"/>.</summary>
    public Autoscale? Autoscale { get; init; }

    /// <summary>Run as a distributed group (Ray cluster or SPMD ranks). Exclusive with <see cref="Autoscale"/>.</summary>
    public Distribute? Distribute { get; init; }
}

/// <summary>
/// A toleration in Kubernetes terms (operator <c>Exists</c> when <see cref="Value"/> is null). Without
/// <see cref="Effect"/> none is rendered, which Kubernetes reads as "tolerates every effect" of that taint.
/// </summary>
public sealed record TolerationSpec(string Key, string? Value = null, string? Effect = null, string? Operator = null);

/// <summary>How a secret reaches the pod.</summary>
public enum SecretMode
{
    /// <summary>Every key becomes an environment variable (<c>envFrom.secretRef</c>).</summary>
    Environment,

    /// <summary>Every key becomes a file in a read-only volume.</summary>
    Volume,
}

/// <summary>An existing Kubernetes Secret given to the pod.</summary>
/// <param name="SecretName">Name of the Secret in the service's namespace.</param>
/// <param name="Mode">Environment or read-only volume.</param>
/// <param name="MountPath">For volumes: where to mount (default <c>/kt/secrets/&lt;name&gt;</c>).</param>
public sealed record SecretMount(string SecretName, SecretMode Mode = SecretMode.Environment, string? MountPath = null);

/// <summary>An existing PersistentVolumeClaim mounted into the pod.</summary>
public sealed record PvcVolume(string ClaimName, string MountPath, bool ReadOnly = false);
