using Kt.ImageCompiler.Model;

namespace Kt.DevLoop;

/// <summary>A project's declared definition (<c>kt.definition.json</c>) as what the dev loop deploys: the service and its image steps.</summary>
public static class ProjectDeployment
{
    public static ServiceSpec Service(ProjectDefinition project) => new ServiceSpec
    {
        Service = project.Service,
        Replicas = project.Compute.Replicas,
        BaseImage = project.BaseImage,
        Cpus = project.Compute.Cpus,
        Memory = project.Compute.Memory,
        Gpus = project.Compute.Gpus,
        AllowHostSetup = project.Compute.AllowHostSetup,
    } is var spec && project.Compute.OtlpEndpoint is { } endpoint ? spec with { OtlpEndpoint = endpoint } : spec;

    /// <summary>The image steps only: the app travels by code sync, so it is left out.</summary>
    public static ImageDefinition Image(ProjectDefinition project, string projectDirectory) =>
        StepFactory.FromProject(project, projectDirectory, publishDirectory: null);
}
