namespace Kt.PodRuntime.Supervision;

/// <summary>
/// What a worker that died before it connected said, for the KT4039 message: the host's own lines (its reason comes
/// first: "Process terminated. Couldn't find a valid ICU package …"), never the stack frames after them, which fill
/// any tail and say nothing a user can act on; and for a cause every base image meets, what to do about it.
/// </summary>
internal static class WorkerExitReason
{
    private const int MaxLines = 8;

    public static string Describe(string stderr)
    {
        var said = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("at ", StringComparison.Ordinal) && !l.StartsWith("--- End of", StringComparison.Ordinal))
            .Take(MaxLines)
            .ToList();
        if (said.Count == 0)
        {
            return string.Empty;
        }

        var text = " The worker said: " + string.Join(" | ", said);
        return said.Any(l => l.Contains("valid ICU package", StringComparison.Ordinal))
            ? text + " The base image has no libicu, and the app's runtimeconfig asks for culture data (as `dotnet App.dll` would there): set "
                + "<InvariantGlobalization>true</InvariantGlobalization> in the csproj, or use a base with libicu (Debian: apt libicu72; or a KtSetup apt step)."
            : text;
    }
}
