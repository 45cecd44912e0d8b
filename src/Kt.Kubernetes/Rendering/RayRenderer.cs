using k8s.Models;
using Kt.Core;
using Kt.Kubernetes.Crd;
using Kt.Kubernetes.Model;

namespace Kt.Kubernetes.Rendering;

/// <summary>
/// <c>distribute("ray", N)</c>: a KubeRay RayCluster with one head and one worker group of N-1 pods, and a Service
/// that sends Kt traffic to the head only.
/// </summary>
/// <remarks>
/// The RayCluster carries <c>ray.io/overwrite-container-cmd: "true"</c>, so KubeRay keeps the Kt runtime as the
/// container command and hands the generated <c>ray start</c> line over in <c>KUBERAY_GEN_RAY_START_CMD</c>; the
/// runtime starts Ray with it (<c>KT_RAY_ROLE</c> tells it which role it has).
/// </remarks>
internal static class RayRenderer
{
    public const string OverwriteContainerCommand = "ray.io/overwrite-container-cmd";

    public static IReadOnlyList<object> Render(Compute compute, RenderContext context)
    {
        var workers = compute.Distribute!.Workers;
        var metadata = ManifestRenderer.WorkloadMetadata(compute, context);
        metadata.Annotations ??= new Dictionary<string, string>();
        metadata.Annotations[OverwriteContainerCommand] = "true";

        var cluster = new RayCluster
        {
            Metadata = metadata,
            Spec = new RayClusterSpec
            {
                HeadGroupSpec = new RayHeadGroupSpec
                {
                    RayStartParams = new Dictionary<string, string> { ["dashboard-host"] = "0.0.0.0" },
                    Template = Template(compute, context, "head"),
                },
                WorkerGroupSpecs = workers <= 1
                    ? null
                    :
                    [
                        new RayWorkerGroupSpec
                        {
                            GroupName = "workers",
                            Replicas = workers - 1,
                            MinReplicas = workers - 1,
                            MaxReplicas = workers - 1,
                            Template = Template(compute, context, "worker"),
                        },
                    ],
            },
        };

        var headSelector = ManifestRenderer.Selector(compute);
        headSelector[KtLabels.Role] = "head";
        return [ServiceRenderer.ClusterIp(compute, headSelector), cluster];
    }

    private static V1PodTemplateSpec Template(Compute compute, RenderContext context, string role)
    {
        var labels = ManifestRenderer.Labels(compute);
        labels[KtLabels.Role] = role;
        return PodTemplateBuilder.Build(
            compute,
            context,
            labels,
            extraEnv: [new V1EnvVar { Name = "KT_RAY_ROLE", Value = role }],
            containerName: role == "head" ? "ray-head" : "ray-worker");
    }
}
