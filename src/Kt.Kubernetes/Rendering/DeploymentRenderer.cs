using k8s.Models;
using Kt.Kubernetes.Model;

namespace Kt.Kubernetes.Rendering;

/// <summary>The default workload: a Deployment of <see cref="Compute.Replicas"/> pods running the Kt pod runtime.</summary>
internal static class DeploymentRenderer
{
    public static V1Deployment Render(Compute compute, RenderContext context) => new()
    {
        ApiVersion = "apps/v1",
        Kind = "Deployment",
        Metadata = ManifestRenderer.WorkloadMetadata(compute, context),
        Spec = new V1DeploymentSpec
        {
            Replicas = compute.Replicas,
            Selector = new V1LabelSelector { MatchLabels = ManifestRenderer.Selector(compute) },
            Template = PodTemplateBuilder.Build(compute, context, ManifestRenderer.Labels(compute)),
        },
    };
}

/// <summary>Services in front of the pods.</summary>
internal static class ServiceRenderer
{
    public static V1Service ClusterIp(Compute compute, IReadOnlyDictionary<string, string> selector, string? name = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta
        {
            Name = name ?? compute.ServiceName,
            NamespaceProperty = compute.Namespace,
            Labels = ManifestRenderer.Labels(compute),
        },
        Spec = new V1ServiceSpec
        {
            Type = "ClusterIP",
            Selector = new Dictionary<string, string>(selector),
            Ports = [new V1ServicePort { Name = "http", Port = compute.Port, TargetPort = compute.Port, Protocol = "TCP" }],
        },
    };
}
