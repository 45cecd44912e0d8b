using Kt.Core;

namespace Kt.Kubernetes.Model;

/// <summary>The Compute a project declared in its csproj (<c>kt.definition.json</c>), for the cluster and an image.</summary>
public static class ProjectCompute
{
    public static Compute From(ProjectDefinition project, string image)
    {
        ArgumentNullException.ThrowIfNull(project);
        var declared = project.Compute;
        return new Compute
        {
            ServiceName = project.Service,
            Namespace = declared.Namespace,
            Image = image,
            Cpus = declared.Cpus,
            Memory = declared.Memory,
            Gpus = declared.Gpus,
            Replicas = declared.Replicas,
        };
    }
}
