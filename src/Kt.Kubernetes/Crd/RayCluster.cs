using System.Text.Json.Serialization;
using k8s.Models;

namespace Kt.Kubernetes.Crd;

/// <summary>
/// A KubeRay <c>ray.io/v1</c> RayCluster, typed for the fields Kt renders (KubernetesClient has no model for it).
/// </summary>
public sealed record RayCluster
{
    public const string GroupVersion = "ray.io/v1";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; init; } = GroupVersion;

    [JsonPropertyName("kind")] public string Kind { get; init; } = "RayCluster";

    [JsonPropertyName("metadata")] public required V1ObjectMeta Metadata { get; init; }

    [JsonPropertyName("spec")] public required RayClusterSpec Spec { get; init; }
}

public sealed record RayClusterSpec
{
    [JsonPropertyName("headGroupSpec")] public required RayHeadGroupSpec HeadGroupSpec { get; init; }

    [JsonPropertyName("workerGroupSpecs")] public IList<RayWorkerGroupSpec>? WorkerGroupSpecs { get; init; }
}

public sealed record RayHeadGroupSpec
{
    [JsonPropertyName("rayStartParams")] public IDictionary<string, string> RayStartParams { get; init; } = new Dictionary<string, string>();

    [JsonPropertyName("template")] public required V1PodTemplateSpec Template { get; init; }
}

public sealed record RayWorkerGroupSpec
{
    [JsonPropertyName("groupName")] public required string GroupName { get; init; }

    [JsonPropertyName("replicas")] public int Replicas { get; init; }

    [JsonPropertyName("minReplicas")] public int MinReplicas { get; init; }

    [JsonPropertyName("maxReplicas")] public int MaxReplicas { get; init; }

    [JsonPropertyName("rayStartParams")] public IDictionary<string, string> RayStartParams { get; init; } = new Dictionary<string, string>();

    [JsonPropertyName("template")] public required V1PodTemplateSpec Template { get; init; }
}
