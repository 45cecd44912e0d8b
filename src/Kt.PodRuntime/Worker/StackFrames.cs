namespace Kt.PodRuntime.Worker;

/// <summary>
/// A user exception's stack without the frames of the call machinery: the runtime's own (the invoker, the worker) and
/// reflection's (the method is invoked through <c>MethodBase.Invoke</c>). Those are the same on every call and say
/// nothing about the user's bug; a debugger and a log should show the user's frames only.
/// </summary>
internal static class StackFrames
{
    private const string AsyncBoundary = "--- End of stack trace from previous location ---";

    private static readonly string[] MachineryPrefixes = ["at Kt.PodRuntime.", "at System.Reflection.", "at System.RuntimeMethodHandle."];

    public static string? UserOnly(string? stack)
    {
        if (string.IsNullOrEmpty(stack))
        {
            return stack;
        }

        var kept = new List<string>();
        foreach (var line in stack.Split('\n'))
        {
            var text = line.TrimEnd('\r');
            var trimmed = text.TrimStart();
            if (trimmed.Length == 0 || MachineryPrefixes.Any(p => trimmed.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            // An async boundary separates two parts of the user's stack; one next to a removed frame separates nothing.
            if (trimmed == AsyncBoundary && (kept.Count == 0 || kept[^1].TrimStart() == AsyncBoundary))
            {
                continue;
            }

            kept.Add(text);
        }

        while (kept.Count > 0 && kept[^1].TrimStart() == AsyncBoundary)
        {
            kept.RemoveAt(kept.Count - 1);
        }

        return string.Join(Environment.NewLine, kept);
    }
}
