using Kt.DevLoop.Backends;
using Kt.ImageCompiler.Model;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop;

/// <summary>
/// The images Kt builds for a service. The frozen image of a Kt service: the project's definition (base, setup steps, app) plus the pod runtime and the
/// .NET it runs on, started in frozen mode on the app folder. The same definition the dev loop applies live, so what
/// was developed is what gets frozen.
/// </summary>
public static class FrozenServiceImage
{
    public static ImageDefinition Definition(ProjectDefinition project, string projectDirectory, string publishDirectory, PodRuntimeFiles runtime)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(runtime);
        var definition = StepFactory.FromProject(project, projectDirectory, publishDirectory);
        if (definition.App is not { } app)
        {
            throw new KtException(DevLoopErrors.FrozenWithoutApp, $"the definition of '{project.Service}' declares no app, so there is nothing for a frozen pod to serve.");
        }

        return definition with
        {
            Bundles = runtime.ImageBundles(),
            App = app with { Command = PodRuntimeLayout.Command, Arguments = PodRuntimeLayout.FrozenArguments(app.WorkingDirectory) },
        };
    }

    /// <summary>
    /// The image the live dev loop runs on a cluster: the project's base plus the pod runtime and its .NET, nothing
    /// else. Setup steps and code arrive live, so this image changes only with the base or Kt itself, and file-only
    /// layers build without a container engine.
    /// </summary>
    public static ImageDefinition RuntimeImage(ProjectDefinition project, string projectDirectory, PodRuntimeFiles runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var definition = StepFactory.FromProject(project with { Steps = [], App = null }, projectDirectory, publishDirectory: null);
        return definition with
        {
            Steps = definition.Steps.Where(s => s.Effect != StepEffect.Command).ToList(), // a Dockerfile base's RUNs stay in its own FROM
            Bundles = runtime.ImageBundles(),
            Base = definition.Base with { Entrypoint = PodRuntimeLayout.Command, Cmd = PodRuntimeLayout.Arguments() },
        };
    }
}
