using System.Text.Json.Serialization;
using k8s.Models;

namespace Kt.Kubernetes.Crd;

/// <summary>
/// A Knative Serving <c>serving.knative.dev/v1</c> Service, typed for the fields Kt renders (KubernetesClient has
/// no model for it). Serialise with <see cref="ManifestJson"/>; the schema is the Knative CRD.
/// </summary>
public sealed record KnativeService
{
    public const string GroupVersion = "serving.knative.dev/v1";

    [JsonPropertyName("apiVersion")] public string ApiVersion { get; init; } = GroupVersion;

    [JsonPropertyName("kind")] public string Kind { get; init; } = "Service";

    [JsonPropertyName("metadata")] public required V1ObjectMeta Metadata { get; init; }

    [JsonPropertyName("spec")] public required KnativeServiceSpec Spec { get; init; }
}

public sealed record KnativeServiceSpec
{
    [JsonPropertyName("template")] public required KnativeRevisionTemplate Template { get; init; }
}

/// <summary>The revision template: any change to it creates a new Revision (and new pods).</summary>
public sealed record KnativeRevisionTemplate
{
    [JsonPropertyName("metadata")] public V1ObjectMeta? Metadata { get; init; }

    [JsonPropertyName("spec")] public required KnativeRevisionSpec Spec { get; init; }
}

/// <summary>The subset of a pod spec that Knative accepts, plus <see cref="ContainerConcurrency"/>.</summary>
public sealed record KnativeRevisionSpec
{
    [JsonPropertyName("containerConcurrency")] public long? ContainerConcurrency { get; init; }

    [JsonPropertyName("containers")] public required IList<V1Container> Containers { get; init; }

    [JsonPropertyName("volumes")] public IList<V1Volume>? Volumes { get; init; }

    [JsonPropertyName("serviceAccountName")] public string? ServiceAccountName { get; init; }

    [JsonPropertyName("priorityClassName")] public string? PriorityClassName { get; init; }

    /// <summary>Behind the Knative feature flag <c>kubernetes.podspec-nodeselector</c>.</summary>
    [JsonPropertyName("nodeSelector")] public IDictionary<string, string>? NodeSelector { get; init; }

    /// <summary>Behind the Knative feature flag <c>kubernetes.podspec-tolerations</c>.</summary>
    [JsonPropertyName("tolerations")] public IList<V1Toleration>? Tolerations { get; init; }

    /// <summary>Behind the Knative feature flag <c>kubernetes.podspec-affinity</c>.</summary>
    [JsonPropertyName("affinity")] public V1Affinity? Affinity { get; init; }
}
