namespace Kt.Cli;

/// <summary>
/// How <c>kt</c> prints a workflow's output. On a terminal the deploy's current phase sits on a status line at the
/// bottom, rewritten in place and cleared before every other line (each setup step and its output scroll above it as
/// they arrive); anywhere else (a pipe, a CI log, a test's writer) only the lines, no control characters.
/// </summary>
internal sealed class LiveOutput(TextWriter writer, bool terminal)
{
    private const string ClearLine = "\r\u001b[K";
    private readonly Lock _gate = new();
    private string _status = "";
    private bool _shown;

    /// <summary>The console, as a terminal when it is one.</summary>
    public static LiveOutput For(TextWriter writer) =>
        new(writer, ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is not "dumb");

    public Kt.Workflows.WorkflowOutput Output(bool verbose) =>
        new(line => Write("kt: " + line), verbose ? Write : _ => { }) { Phase = Phase };

    private void Write(string line)
    {
        lock (_gate)
        {
            Hide();
            writer.WriteLine(line);
            Show();
        }
    }

    private void Phase(string phase)
    {
        if (!terminal)
        {
            return; // the summary line carries each phase's time
        }

        lock (_gate)
        {
            Hide();
            _status = phase.Length == 0 ? "" : $"kt: {phase}…";
            Show();
        }
    }

    private void Hide()
    {
        if (_shown)
        {
            writer.Write(ClearLine);
            _shown = false;
        }
    }

    private void Show()
    {
        if (terminal && _status.Length > 0)
        {
            writer.Write(_status);
            writer.Flush();
            _shown = true;
        }
    }
}
