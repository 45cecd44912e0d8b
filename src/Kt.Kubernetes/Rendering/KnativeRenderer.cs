using System.Globalization;
using k8s.Models;
using Kt.Core;
using Kt.Kubernetes.Crd;
using Kt.Kubernetes.Model;

namespace Kt.Kubernetes.Rendering;

/// <summary>
/// An autoscaled service: a Knative Service rendering every <see cref="Autoscale"/> field that is set. Autoscaling
/// settings live on the revision template (Knative reads them there); per-deploy data stays on the Service.
/// </summary>
internal static class KnativeRenderer
{
    public const string Prefix = "autoscaling.knative.dev/";
    public const string ProgressDeadline = "serving.knative.dev/progress-deadline";

    public static KnativeService Render(Compute compute, RenderContext context)
    {
        var autoscale = compute.Autoscale!;
        var pod = PodTemplateBuilder.BuildPodSpec(compute, context);
        var container = pod.Containers[0];

        // Knative names the serving port http1 (HTTP/1.1) and allows exactly one port.
        container.Ports = [new V1ContainerPort { Name = "http1", ContainerPort = compute.Port, Protocol = "TCP" }];

        var annotations = new Dictionary<string, string>(compute.Annotations);
        foreach (var (key, value) in AutoscaleAnnotations(autoscale, context.DevMode))
        {
            annotations[key] = value;
        }

        return new KnativeService
        {
            Metadata = ManifestRenderer.WorkloadMetadata(compute, context),
            Spec = new KnativeServiceSpec
            {
                Template = new KnativeRevisionTemplate
                {
                    Metadata = new V1ObjectMeta { Labels = ManifestRenderer.Labels(compute), Annotations = annotations },
                    Spec = new KnativeRevisionSpec
                    {
                        ContainerConcurrency = autoscale.ContainerConcurrency,
                        Containers = [container],
                        Volumes = pod.Volumes,
                        ServiceAccountName = pod.ServiceAccountName,
                        PriorityClassName = pod.PriorityClassName,
                        NodeSelector = pod.NodeSelector,
                        Tolerations = pod.Tolerations,
                        Affinity = pod.Affinity,
                    },
                },
            },
        };
    }

    /// <summary>The revision annotations for <paramref name="autoscale"/>; in dev mode min-scale is at least 1.</summary>
    public static Dictionary<string, string> AutoscaleAnnotations(Autoscale autoscale, bool devMode)
    {
        var annotations = new Dictionary<string, string>();
        var min = devMode ? Math.Max(1, autoscale.Min ?? 0) : autoscale.Min;
        Put(annotations, "min-scale", min);
        Put(annotations, "max-scale", autoscale.Max);
        Put(annotations, "initial-scale", autoscale.Initial);
        if (autoscale.Target is { } target)
        {
            annotations[Prefix + "target"] = target.ToString(CultureInfo.InvariantCulture);
        }

        if (autoscale.Metric is { } metric)
        {
            annotations[Prefix + "metric"] = metric;
        }

        if (autoscale.Window is { } window)
        {
            annotations[Prefix + "window"] = Durations.ToGo(window);
        }

        if (autoscale.Class is { } cls)
        {
            annotations[Prefix + "class"] = cls;
        }

        Put(annotations, "target-utilization-percentage", autoscale.TargetUtilization);
        if (autoscale.ScaleDownDelay is { } delay)
        {
            annotations[Prefix + "scale-down-delay"] = Durations.ToGo(delay);
        }

        if (autoscale.ScaleToZeroRetention is { } retention)
        {
            annotations[Prefix + "scale-to-zero-pod-retention-period"] = Durations.ToGo(retention);
        }

        if (autoscale.ProgressDeadline is { } deadline)
        {
            annotations[ProgressDeadline] = Durations.ToGo(deadline);
        }

        return annotations;
    }

    private static void Put(Dictionary<string, string> annotations, string name, int? value)
    {
        if (value is { } v)
        {
            annotations[Prefix + name] = v.ToString(CultureInfo.InvariantCulture);
        }
    }
}
