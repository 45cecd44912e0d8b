namespace Kt.Workflows;

/// <summary>
/// Where a workflow reports: <see cref="Progress"/> for the lines a user always sees (phases, the summary),
/// <see cref="Detail"/> for the verbose ones (each step's output). MSBuild maps them to importances, the CLI to a
/// terminal or plain lines; both are called on the workflow's own thread.
/// </summary>
public sealed record WorkflowOutput(Action<string> Progress, Action<string> Detail)
{
    /// <summary>Reports nothing.</summary>
    public static WorkflowOutput Silent { get; } = new(_ => { }, _ => { });
}
