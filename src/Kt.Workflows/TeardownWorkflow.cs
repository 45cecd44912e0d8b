using Kt.DevLoop.Backends;

namespace Kt.Workflows;

/// <summary><c>-t:KtTeardown</c> / <c>kt teardown</c>: removes every pod the dev loop created for the project's service.</summary>
public static class TeardownWorkflow
{
    /// <summary>True when something was removed.</summary>
    public static async Task<bool> TeardownAsync(ProjectDefinition project, WorkflowOutput output, CancellationToken cancellationToken)
    {
        using var backend = ComputeBackends.Create(project.Compute.Backend, project.Compute.Namespace);
        var removed = await backend.TeardownAsync(project.Service, cancellationToken).ConfigureAwait(false);
        DeployRecord.Forget(project);
        output.Progress(removed
            ? $"{project.Service}: removed from {backend.Name}"
            : $"{project.Service}: nothing to remove on {backend.Name}");
        return removed;
    }
}
