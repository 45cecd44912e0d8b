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

    /// <summary>
    /// Output of one call (in <see cref="CostOfLine"/> units, about characters) that may be on its way to the server
    /// and not yet passed on by it: past it the call's writers wait (back-pressure), so a caller that stops reading
    /// holds the call back instead of growing the server (issue 22).
    /// </summary>
    public const long CallWindow = 1L << 20;

    /// <summary>The server acknowledges a call's output in steps of this (so about one credit frame per step).</summary>
    public const long CreditStep = CallWindow / 8;

    /// <summary>
    /// Output of one streamed call the server queues at most: the window plus one write's worth of lines the worker
    /// sent before it could see the window was full. A single write larger than that (one string of many lines) loses
    /// the lines past it from the stream, with a note; the pod's log and the container log keep them.
    /// </summary>
    public const long StreamQueueLimit = 4 * CallWindow;

    /// <summary>What a line costs against the window: its characters plus a frame's overhead (empty lines count too).</summary>
    public static long CostOfLine(string line) => line.Length + 32;

    /// <summary>What an item of a stream result costs against the window: its JSON bytes plus a frame's overhead.</summary>
    public static long CostOfItem(int jsonBytes) => jsonBytes + 32L;

    /// <summary>What a retained line costs: its characters plus a record's overhead.</summary>
    public static long CostOf(string line) => (line.Length * sizeof(char)) + 64;

    /// <summary>The note that ends a cut line, naming how much was dropped.</summary>
    public static string Note(long droppedChars) => $"… [line truncated: {droppedChars} more characters not captured]";

    public static string Truncate(string line) =>
        line.Length <= MaxLineChars ? line : string.Concat(line.AsSpan(0, MaxLineChars), Note(line.Length - MaxLineChars));
}
