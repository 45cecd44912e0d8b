using System.Text.Json.Serialization;

namespace Kt.Core;

/// <summary>
/// The cluster side of Compute, typed: what only a cluster uses (scheduling, storage, identity, scaling). The csproj's
/// properties and items are parsed into it at the MSBuild edge (Kt.MSBuild), the C# client builds it directly, and the
/// Kubernetes renderer reads it whole, so a new cluster field is declared here once.
/// </summary>
public sealed record ClusterDeclaration
{
    /// <summary>GPU product (node label <c>nvidia.com/gpu.product</c>), e.g. <c>NVIDIA-A100-SXM4-80GB</c>; KtGpuType.</summary>
    [JsonPropertyName("gpuType")] public string? GpuType { get; init; }

    /// <summary>Ephemeral-storage request (a <see cref="Quantity"/>); KtDisk.</summary>
    [JsonPropertyName("disk")] public string? Disk { get; init; }

    /// <summary>CPU limit; only rendered when set (Kt never invents limits); KtCpusLimit.</summary>
    [JsonPropertyName("cpusLimit")] public string? CpusLimit { get; init; }

    /// <summary>Memory limit; only rendered when set; KtMemoryLimit.</summary>
    [JsonPropertyName("memoryLimit")] public string? MemoryLimit { get; init; }

    /// <summary>Size of the memory-backed <c>/dev/shm</c> (e.g. <c>2Gi</c>); null for the container default; KtSharedMemory.</summary>
    [JsonPropertyName("sharedMemory")] public string? SharedMemory { get; init; }

    /// <summary>How long a pod may take to start (null: 10 minutes); KtLaunchTimeout.</summary>
    [JsonPropertyName("launchTimeout")] public TimeSpan? LaunchTimeout { get; init; }

    [JsonPropertyName("serviceAccount")] public string? ServiceAccount { get; init; }

    [JsonPropertyName("priorityClass")] public string? PriorityClass { get; init; }

    /// <summary>Tear the service down after this long without calls (annotation <c>kt.dev/inactivity-ttl</c>); KtInactivityTtl.</summary>
    [JsonPropertyName("inactivityTtl")] public TimeSpan? InactivityTtl { get; init; }

    /// <summary>Kueue LocalQueue name (label <c>kueue.x-k8s.io/queue-name</c>); KtQueue.</summary>
    [JsonPropertyName("queue")] public string? Queue { get; init; }

    [JsonPropertyName("nodeSelector")] public IReadOnlyDictionary<string, string> NodeSelector { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra labels on the workload and its pods.</summary>
    [JsonPropertyName("labels")] public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Extra annotations on the workload and its pods.</summary>
    [JsonPropertyName("annotations")] public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    [JsonPropertyName("tolerations")] public IReadOnlyList<TolerationSpec> Tolerations { get; init; } = [];

    [JsonPropertyName("secrets")] public IReadOnlyList<SecretMount> Secrets { get; init; } = [];

    [JsonPropertyName("volumes")] public IReadOnlyList<PvcVolume> Volumes { get; init; } = [];

    /// <summary>Scale with Knative instead of a fixed replica count; null: no autoscaling. Exclusive with <see cref="Distribute"/>.</summary>
    [JsonPropertyName("autoscale")] public Autoscale? Autoscale { get; init; }

    /// <summary>Run as a distributed group (Ray cluster or SPMD ranks); null: none. Exclusive with <see cref="Autoscale"/>.</summary>
    [JsonPropertyName("distribute")] public Distribute? Distribute { get; init; }

    /// <summary>The container's <c>imagePullPolicy</c>; null: Kubernetes' default. KtImagePullPolicy (Kubetorch's image_pull_policy).</summary>
    [JsonPropertyName("imagePullPolicy")] public ImagePullPolicy? ImagePullPolicy { get; init; }

    /// <summary>
    /// KtGpuAntiAffinity (Kubetorch's gpu_anti_affinity): with no GPUs requested the pods are required to stay off GPU
    /// nodes (nodes without <c>nvidia.com/gpu.count</c>), as Kubetorch does; with GPUs they prefer not to share a node.
    /// </summary>
    [JsonPropertyName("gpuAntiAffinity")] public bool GpuAntiAffinity { get; init; }
}

/// <summary>When the kubelet pulls the pods' image, in Kubernetes' own words.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ImagePullPolicy>))]
public enum ImagePullPolicy
{
    Always,
    IfNotPresent,
    Never,
}

/// <summary>
/// A toleration in Kubernetes terms (operator <c>Exists</c> when <see cref="Value"/> is null). Without
/// <see cref="Effect"/> none is rendered, which Kubernetes reads as "tolerates every effect" of that taint.
/// </summary>
public sealed record TolerationSpec(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("value")] string? Value = null,
    [property: JsonPropertyName("effect")] string? Effect = null,
    [property: JsonPropertyName("operator")] string? Operator = null);

/// <summary>How a secret reaches the pod.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SecretMode>))]
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
public sealed record SecretMount(
    [property: JsonPropertyName("name")] string SecretName,
    [property: JsonPropertyName("mode")] SecretMode Mode = SecretMode.Environment,
    [property: JsonPropertyName("mountPath")] string? MountPath = null);

/// <summary>An existing PersistentVolumeClaim mounted into the pod.</summary>
public sealed record PvcVolume(
    [property: JsonPropertyName("claim")] string ClaimName,
    [property: JsonPropertyName("mountPath")] string MountPath,
    [property: JsonPropertyName("readOnly")] bool ReadOnly = false);
