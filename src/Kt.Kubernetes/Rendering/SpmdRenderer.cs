using k8s.Models;
using Kt.Core;
using Kt.Kubernetes.Model;
using Kt.PodRuntime.Protocol;

namespace Kt.Kubernetes.Rendering;

/// <summary>
/// <c>distribute("spmd", N)</c>: N ranks as a StatefulSet (stable names <c>&lt;service&gt;-0..N-1</c>) behind a
/// headless Service, plus a ClusterIP Service for callers.
/// </summary>
/// <remarks>
/// RANK is the pod ordinal, read through the downward API from the <c>apps.kubernetes.io/pod-index</c> label
/// that the StatefulSet controller sets (GA in 1.32). MASTER_ADDR is rank 0's stable DNS name
/// <c>&lt;service&gt;-0.&lt;service&gt;-ranks.&lt;namespace&gt;.svc.cluster.local</c>; the headless Service publishes
/// not-ready addresses so ranks can rendezvous before they report ready. Pods start in parallel.
/// </remarks>
internal static class SpmdRenderer
{
    public static string HeadlessServiceName(Compute compute) => $"{compute.ServiceName}-ranks";

    public static string MasterAddress(Compute compute) =>
        $"{compute.ServiceName}-0.{HeadlessServiceName(compute)}.{compute.Namespace}.svc.cluster.local";

    public static IReadOnlyList<object> Render(Compute compute, RenderContext context)
    {
        var distribute = compute.Distribute!;
        var labels = ManifestRenderer.Labels(compute);
        labels[KtLabels.Role] = "rank";
        var rankFromOrdinal = new V1EnvVarSource
        {
            FieldRef = new V1ObjectFieldSelector { FieldPath = $"metadata.labels['{KtLabels.PodIndex}']" },
        };
        // The rest of the rank's identity (WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) is in its launch
        // (PodTemplateBuilder.Launch); only the ordinal is known to the pod alone.
        var env = new List<V1EnvVar>
        {
            new() { Name = RuntimeLaunch.Variables.Rank, ValueFrom = rankFromOrdinal },
            new() { Name = RuntimeLaunch.Variables.NodeRank, ValueFrom = rankFromOrdinal },
        };
        var masterPort = new V1ContainerPort { Name = "master", ContainerPort = distribute.MasterPort, Protocol = "TCP" };

        var headless = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta
            {
                Name = HeadlessServiceName(compute),
                NamespaceProperty = compute.Namespace,
                Labels = ManifestRenderer.Labels(compute),
            },
            Spec = new V1ServiceSpec
            {
                ClusterIP = "None",
                PublishNotReadyAddresses = true,
                Selector = ManifestRenderer.Selector(compute),
                Ports =
                [
                    new V1ServicePort { Name = "http", Port = compute.Port, TargetPort = compute.Port, Protocol = "TCP" },
                    new V1ServicePort { Name = "master", Port = distribute.MasterPort, TargetPort = distribute.MasterPort, Protocol = "TCP" },
                ],
            },
        };

        var statefulSet = new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = ManifestRenderer.WorkloadMetadata(compute, context),
            Spec = new V1StatefulSetSpec
            {
                Replicas = distribute.Workers,
                ServiceName = HeadlessServiceName(compute),
                PodManagementPolicy = "Parallel",
                Selector = new V1LabelSelector { MatchLabels = ManifestRenderer.Selector(compute) },
                Template = PodTemplateBuilder.Build(compute, context, labels, env, [masterPort]),
            },
        };

        return [headless, ServiceRenderer.ClusterIp(compute, ManifestRenderer.Selector(compute)), statefulSet];
    }
}
