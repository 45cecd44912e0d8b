namespace Kt.Workflows;

/// <summary>
/// Where a workflow reports: <see cref="Progress"/> for the lines a user always sees (each setup step and its output as
/// it runs, the summary with per-phase timings), <see cref="Detail"/> for the verbose ones (MSBuild's own output).
/// MSBuild maps them to importances, the CLI to a terminal or plain lines; both are called while the workflow runs.
/// </summary>
public sealed record WorkflowOutput(Action<string> Progress, Action<string> Detail)
{
    /// <summary>
    /// The phase a deploy is in now (<c>pods</c>, <c>setup</c>, <c>sync</c>, <c>ready</c>; empty when it ended): a terminal
    /// shows it on a status line that the next one replaces; plain output and MSBuild ignore it (the summary has the timings).
    /// </summary>
    public Action<string> Phase { get; init; } = _ => { };

    /// <summary>Reports nothing.</summary>
    public static WorkflowOutput Silent { get; } = new(_ => { }, _ => { });
}
