namespace Kt.Core;

/// <summary>
/// How a failed setup step is told (KT4011 on a pod, KT1015 in a freeze): the line of its output that says why comes
/// first, on the error line itself, and the output's tail after it. A package manager prints its cause near the end,
/// under progress and summary lines (apt's <c>E: Unable to locate package</c>, pip's <c>ERROR: No matching
/// distribution</c>), so a tail alone buries it.
/// </summary>
public static class StepFailure
{
    private static readonly string[] ErrorMarks = ["E: ", "ERROR: ", "ERROR ", "error: ", "Error: ", "fatal: ", "FATAL: "];

    /// <summary>The one-line message: the step, its exit code and the cause; then the output tail on the lines after.</summary>
    public static string Describe(string step, int exitCode, string outputTail, string consequence)
    {
        var cause = Cause(outputTail);
        var head = cause is null ? $"{step} exited with code {exitCode}" : $"{step} exited with code {exitCode}: {cause}";
        return string.IsNullOrWhiteSpace(outputTail) ? $"{head} ({consequence})" : $"{head} ({consequence}). Output tail:\n{outputTail}";
    }

    /// <summary>The last line that reads as an error (its own marker, or <c>not found</c>), else the last line; null for no output.</summary>
    public static string? Cause(string outputTail)
    {
        var lines = outputTail.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        for (var i = lines.Count - 1; i >= 0; i--)
        {
            if (ErrorMarks.Any(m => lines[i].StartsWith(m, StringComparison.Ordinal)) || lines[i].EndsWith("not found", StringComparison.Ordinal))
            {
                return lines[i];
            }
        }

        return lines.Count > 0 ? lines[^1] : null;
    }
}
