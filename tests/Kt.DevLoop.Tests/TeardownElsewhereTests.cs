using Kt.Core;
using Kt.Workflows;

namespace Kt.DevLoop.Tests;

/// <summary>Teardown from a machine that never deployed the service (issue 24: it removed the objects, then failed with KT6011).</summary>
public sealed class TeardownElsewhereTests
{
    [Fact]
    public async Task Teardown_where_no_deploy_was_ever_recorded_finishes_without_an_error()
    {
        // A namespace this machine never deployed to: no record folder exists for it.
        var project = new ProjectDefinition
        {
            Service = "elsewhere",
            Compute = new ComputeDeclaration { Namespace = "never-" + Guid.NewGuid().ToString("N")[..8] },
        };
        var said = new List<string>();

        var removed = await TeardownWorkflow.TeardownAsync(project, new WorkflowOutput(said.Add, _ => { }), CancellationToken.None);

        Assert.False(removed);
        Assert.Equal(["elsewhere: nothing to remove on process"], said);
    }
}
