using System.Reflection;
using Kt.DevLoop;
using Kt.Workflows;

namespace Kt.Client.Deploy;

/// <summary>
/// A program's deploy, through the same <see cref="DeploySession"/> as <c>-p:KtDeploy=true</c> and <c>kt deploy</c>:
/// on Kubernetes it builds and pushes the runtime image itself when it is missing or stale (no earlier publish needed).
/// A service that serves a publish of another build configuration is called as it is (see <see cref="Compute.Redeploy"/>).
/// Created by <see cref="DeploySideLoader"/> by name.
/// </summary>
internal sealed class WorkflowDeploySide : IDeploySide
{
    public async Task<IDeployment> DeployAsync(Compute compute, string codeDirectory, Action<string> progress, CancellationToken cancellationToken)
    {
        var project = compute.ToProjectDefinition();
        var projectDirectory = compute.ProjectDirectory ?? Environment.CurrentDirectory;
        var configuration = Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration;
        var session = new DeploySession();
        try
        {
            if (!compute.Redeploy && DeployRecord.Read(project) is { Origin: DeployRecord.FromPublish } published
                && !string.Equals(published.Configuration, configuration, StringComparison.OrdinalIgnoreCase))
            {
                // An edit since the publish is what the user wants to see: this build carries it, so it is synced.
                if (SourceEdits.EditedSince(projectDirectory, published.DeployedAt) is { } edited)
                {
                    progress($"{edited} changed after the {published.Configuration ?? "kt"} publish deployed at {published.DeployedAt.ToLocalTime():HH:mm:ss}: "
                        + $"this {configuration ?? "program's"} build is synced to the pods (dotnet publish -p:KtDeploy=true deploys the {published.Configuration ?? "published"} build again).");
                }
                else if (await session.ConnectAsync(project, published.Version, cancellationToken).ConfigureAwait(false) is { } running)
                {
                    progress($"{project.Service} serves the {published.Configuration ?? "kt"} publish deployed at {published.DeployedAt.ToLocalTime():HH:mm:ss} " +
                        $"(version {published.Version}); this {configuration ?? "program's"} build calls it and syncs nothing (Compute.Redeploy = true syncs this build).");
                    return new Deployment(project, session, running);
                }
            }

            var outcome = await session.DeployAsync(new DeployWorkflowRequest
            {
                Project = project,
                Image = compute.ImageDefinition(),
                PublishDirectory = codeDirectory,
                Origin = DeployRecord.FromProgram,
                Configuration = configuration,
                RuntimeImage = new ImageOutputSettings
                {
                    ProjectDirectory = projectDirectory,
                    Registry = compute.ContainerRegistry,
                    Repository = compute.ContainerRepository ?? project.Service,
                    // Kept with the rest of what Kt creates on this machine, not in the program's folders.
                    LayoutOutputPath = KtHome.Combine("runtime-images", project.Service),
                },
            }, new WorkflowOutput(progress, _ => { }), cancellationToken).ConfigureAwait(false);
            return new Deployment(project, session, outcome.Report!);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private sealed class Deployment(ProjectDefinition project, DeploySession session, DeployReport report) : IDeployment
    {
        public DeployReport Report { get; } = report;

        public Task TeardownAsync(CancellationToken cancellationToken) =>
            TeardownWorkflow.TeardownAsync(project, WorkflowOutput.Silent, cancellationToken);

        public void Dispose() => session.Dispose();
    }
}
