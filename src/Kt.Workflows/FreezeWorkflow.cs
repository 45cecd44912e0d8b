using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler.Model;
using Kt.Kubernetes.Rendering;
using Kt.PodRuntime.Protocol;

namespace Kt.Workflows;

/// <summary>
/// <c>-p:KtFreeze=true</c> / <c>kt freeze</c>: the definition plus the publish output as a layered OCI image, written as
/// an OCI layout, optionally an archive, pushed when a registry is set; then the digest-pinned production manifests.
/// </summary>
public static class FreezeWorkflow
{
    /// <param name="withRuntime">
    /// Bake the pod runtime and the .NET it runs on into the image and start it in frozen mode on the app; false keeps
    /// the app's own entry point (a plain app image).
    /// </param>
    /// <param name="locked">
    /// <c>KtLocked</c>: install exactly what <c>kt.lock.json</c> pins (KT1040 when a pinned version is gone, KT1041
    /// when a step is not in it); false resolves current versions and rewrites the lockfile, saying what changed.
    /// </param>
    public static Task<BuiltImage> FreezeAsync(ProjectDefinition project, string publishDirectory, bool withRuntime, ImageOutputSettings settings,
        WorkflowOutput output, CancellationToken cancellationToken, bool locked = false)
    {
        var definition = withRuntime
            ? FrozenServiceImage.Definition(project, settings.ProjectDirectory, publishDirectory, PodRuntimeFiles.Locate())
            : StepFactory.FromProject(project, settings.ProjectDirectory, publishDirectory);
        return ImageBuilder.BuildAsync(definition, settings, project.Service, $"freezing {project.Service}", tags: null, output, cancellationToken,
            FreezeLock.For(settings.ProjectDirectory, locked));
    }

    /// <summary>Writes the production manifests for the digest-pinned <paramref name="imageReference"/> (ko-style); returns the YAML file.</summary>
    public static string WriteManifests(ProjectDefinition project, string imageReference, string outputDirectory, WorkflowOutput output)
    {
        var file = FrozenManifests.Write(project, imageReference, outputDirectory);
        output.Progress($"manifests {file} (kubectl apply -f; the pods need the Secret {PodRuntimeLayout.TokenSecretName(project.Service)}, see its header)");
        return file;
    }
}
