using Kt.Kubernetes.Api;
using Kt.Kubernetes.Crd;

namespace Kt.Kubernetes.Deploy;

/// <summary>
/// Which pods belong to a service's current workload. All of a service's pods carry its label, so while a workload of
/// another kind is being replaced (a Deployment by an SPMD StatefulSet) the label alone selects both; the pod's
/// controller tells them apart.
/// </summary>
public static class WorkloadPods
{
    /// <summary>The kind that controls the pods of a workload kind, or null when Kt does not know it (any pod counts).</summary>
    public static string? OwnerKind(string apiVersion, string kind) => (apiVersion, kind) switch
    {
        ("apps/v1", "Deployment") => "ReplicaSet",
        ("apps/v1", "StatefulSet") => "StatefulSet",
        (RayCluster.GroupVersion, "RayCluster") => "RayCluster",
        (KnativeService.GroupVersion, "Service") => "ReplicaSet", // a Revision's Deployment
        _ => null,
    };

    /// <summary>The workload among applied or listed objects (anything but a core Service or Secret).</summary>
    public static ResourceRef? Workload(IEnumerable<ResourceRef> objects) =>
        objects.FirstOrDefault(r => r.ApiVersion != "v1" || r.Kind is not ("Service" or "Secret"));

    /// <summary>Whether the pod is one of the workload's (a pod whose controller is not reported counts).</summary>
    public static bool BelongsTo(PodStatusSnapshot pod, string? ownerKind)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return ownerKind is null || pod.OwnerKind is null || pod.OwnerKind == ownerKind;
    }
}
