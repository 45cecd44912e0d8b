using Kt.Core;

namespace Kt.Kubernetes.Model;

/// <summary>
/// The Compute a project declared (<c>kt.definition.json</c>) for one image: resources and replicas, plus the typed
/// cluster side taken whole. Nothing is parsed here (the MSBuild edge parsed the csproj's items); what is declared is
/// then validated as every Compute is (<see cref="ComputeValidator"/>, KT50xx).
/// </summary>
public static class ProjectCompute
{
    public static Compute From(ProjectDefinition project, string image)
    {
        ArgumentNullException.ThrowIfNull(project);
        var declared = project.Compute;
        var compute = new Compute
        {
            ServiceName = project.Service,
            Namespace = declared.Namespace,
            Image = image,
            Cpus = declared.Cpus,
            Memory = declared.Memory,
            Gpus = declared.Gpus,
            Replicas = declared.Replicas,
        };
        return declared.Cluster is { } cluster ? WithCluster(compute, cluster) : compute;
    }

    /// <summary>Adds what a project declared for the cluster to a Compute.</summary>
    public static Compute WithCluster(Compute compute, ClusterDeclaration cluster) => compute with { Cluster = cluster };
}
