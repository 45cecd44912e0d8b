using Kt.DevLoop.Backends;
using Kt.ImageCompiler.Model;

namespace Kt.DevLoop;

/// <summary>
/// The frozen image of a Kt service: the project's definition (base, setup steps, app) plus the pod runtime and the
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
}
