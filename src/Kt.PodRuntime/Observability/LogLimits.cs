namespace Kt.PodRuntime.Observability;

/// <summary>
/// The byte bounds of call output: one line, and what the pod retains in all. A line printed whole (a 10 MiB JSON dump)
/// would otherwise be held by the worker, sent over IPC and kept in the ring at full size. The container log (the
/// worker's real stdout) still gets every byte.
/// </summary>
internal static class LogLimits
{
    /// <summary>Characters of one captured line (UTF-16, so 32 KiB of memory); the rest is cut with a visible note.</summary>
    public const int MaxLineChars = 16 * 1024;

    /// <summary>Memory the retained ring may hold for all lines together.</summary>
    public const long MaxRetainedBytes = 16L << 20;

    /// <summary>
    /// Memory one live follower's queue may hold (a <c>/logs?follow=1</c> reader that falls behind): past it the
    /// follower loses its oldest lines, the pod keeps its memory.
    /// </summary>
    public const long MaxFollowerBytes = 8L << 20;

    /// <summary>What a retained line costs: its characters plus a record's overhead.</summary>
    public static long CostOf(string line) => (line.Length * sizeof(char)) + 64;

    /// <summary>The note that ends a cut line, naming how much was dropped.</summary>
    public static string Note(long droppedChars) => $"… [line truncated: {droppedChars} more characters not captured]";

    public static string Truncate(string line) =>
        line.Length <= MaxLineChars ? line : string.Concat(line.AsSpan(0, MaxLineChars), Note(line.Length - MaxLineChars));
}
