using k8s.Models;
using Kt.Core;
using Kt.Kubernetes.Model;

namespace Kt.Kubernetes.Rendering;

/// <summary>
/// Turns a <see cref="Compute"/> into the manifests to apply, in apply order (Services before workloads so DNS
/// exists when pods start). Objects are KubernetesClient models (<see cref="V1Deployment"/>, <see cref="V1Service"/>,
/// <see cref="V1StatefulSet"/>), Kt CRD records (<see cref="Crd.KnativeService"/>, <see cref="Crd.RayCluster"/>) or,
/// for a bring-your-own workload, the merged <see cref="System.Text.Json.Nodes.JsonObject"/> (kept as JSON so that
/// none of the user's fields is silently dropped).
/// </summary>
public static class ManifestRenderer
{
    /// <summary>Renders every object for <paramref name="compute"/>; throws <see cref="KtException"/> (KT50xx) on invalid input.</summary>
    public static IReadOnlyList<object> Render(Compute compute, RenderContext context)
    {
        ArgumentNullException.ThrowIfNull(compute);
        ArgumentNullException.ThrowIfNull(context);
        ComputeValidator.Validate(compute);
        ValidateContext(compute, context);

        if (context.AdoptPodsSelector is { } selector)
        {
            return [ServiceRenderer.ClusterIp(compute, selector)];
        }

        IReadOnlyList<object> objects = compute switch
        {
            { Autoscale: not null } => [KnativeRenderer.Render(compute, context)],
            { Distribute.Kind: DistributeKind.Ray } => RayRenderer.Render(compute, context),
            { Distribute.Kind: DistributeKind.Spmd } => SpmdRenderer.Render(compute, context),
            _ => [ServiceRenderer.ClusterIp(compute, Selector(compute)), DeploymentRenderer.Render(compute, context)],
        };

        return context.ExistingWorkloadManifest is { } existing
            ? objects.Select(o => IsWorkload(o) ? ManifestMerger.MergeUserManifest(existing, o) : o).ToList()
            : objects;
    }

    /// <summary>The labels every object and pod of the service carries.</summary>
    public static Dictionary<string, string> Labels(Compute compute)
    {
        var labels = new Dictionary<string, string>(compute.Labels)
        {
            [KtLabels.Name] = compute.ServiceName,
            [KtLabels.ManagedBy] = KtLabels.ManagedByValue,
            [KtLabels.Service] = compute.ServiceName,
        };
        if (compute.QueueName is { } queue)
        {
            labels[KtLabels.KueueQueueName] = queue;
        }

        return labels;
    }

    /// <summary>The (immutable) pod selector of the service's workload.</summary>
    public static Dictionary<string, string> Selector(Compute compute) => new() { [KtLabels.Service] = compute.ServiceName };

    /// <summary>Metadata of the workload object: labels, user annotations, the inactivity TTL and per-deploy data.</summary>
    internal static V1ObjectMeta WorkloadMetadata(Compute compute, RenderContext context)
    {
        var annotations = new Dictionary<string, string>(compute.Annotations);
        if (compute.InactivityTtl is { } ttl)
        {
            annotations[KtLabels.InactivityTtl] = Durations.ToGo(ttl);
        }

        foreach (var (key, value) in context.DeployAnnotations)
        {
            annotations[key] = value;
        }

        return new V1ObjectMeta
        {
            Name = compute.ServiceName,
            NamespaceProperty = compute.Namespace,
            Labels = Labels(compute),
            Annotations = annotations.Count == 0 ? null : annotations,
        };
    }

    private static bool IsWorkload(object manifest) => manifest is not V1Service;

    private static void ValidateContext(Compute compute, RenderContext context)
    {
        if (context.Command.Count == 0)
        {
            throw new KtException("KT5008", "The render context needs the pod runtime command.");
        }

        if (context.Frozen && context.DevMode)
        {
            throw new KtException("KT5008", "Frozen and dev mode exclude each other: a frozen deploy neither syncs code nor runs live setup.");
        }

        if (context.Frozen && !IsDigestPinned(compute.Image))
        {
            throw new KtException("KT5007", $"Frozen deploys need an image pinned by digest (name@sha256:...); got '{compute.Image}'.");
        }

        if (context.AdoptPodsSelector is { } selector)
        {
            if (selector.Count == 0)
            {
                throw new KtException("KT5013", "Selector-only mode needs at least one label to select the running pods.");
            }

            if (context.ExistingWorkloadManifest is not null || compute.Autoscale is not null || compute.Distribute is not null)
            {
                throw new KtException("KT5013", "Selector-only mode adopts running pods: it cannot be combined with a workload manifest, autoscale or distribute.");
            }

            foreach (var (key, value) in selector)
            {
                if (!KubernetesSyntax.IsQualifiedName(key) || !KubernetesSyntax.IsLabelValue(value))
                {
                    throw new KtException("KT5006", $"The selector '{key}={value}' is not a valid Kubernetes label.");
                }
            }
        }

        foreach (var key in context.DeployAnnotations.Keys)
        {
            if (!KubernetesSyntax.IsQualifiedName(key))
            {
                throw new KtException("KT5006", $"Annotation key '{key}' is not a valid qualified name.");
            }
        }
    }

    private static bool IsDigestPinned(string image)
    {
        var at = image.LastIndexOf('@');
        return at > 0 && Digest.TryParse(image[(at + 1)..], out _);
    }
}
