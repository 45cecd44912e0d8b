using Kt.PodRuntime.Observability;

namespace Kt.PodRuntime.Supervision;

/// <summary>
/// Where one call's output lines go on the server while it runs, and what paces them. The worker holds a call's
/// writers once <see cref="LogLimits.CallWindow"/> of its output is unacknowledged (issue 22: a caller that stops
/// reading must not grow the server), so whoever takes a line acknowledges it once it has passed it on.
/// </summary>
public sealed class CallOutput
{
    private readonly Func<CallLogLine, bool> _take;
    private readonly Func<ReadOnlyMemory<byte>?, bool>? _takeItem;
    private Action<long>? _acknowledge;

    /// <param name="take">
    /// Takes a line on the worker reader's thread (never blocks): true when it is queued and will be acknowledged
    /// through <see cref="Acknowledge"/>, false when it was not (the line is acknowledged at once).
    /// </param>
    /// <param name="takeItem">
    /// When set, the caller takes a stream result item by item: takes the start of the stream (null) and each element's
    /// JSON, as <paramref name="take"/> takes lines (acknowledged through <see cref="Acknowledge"/> once passed on).
    /// </param>
    public CallOutput(Func<CallLogLine, bool> take, Func<ReadOnlyMemory<byte>?, bool>? takeItem = null)
    {
        _take = take;
        _takeItem = takeItem;
    }

    /// <summary>Whether the caller takes a stream result's elements as they are produced.</summary>
    public bool TakesItems => _takeItem is not null;

    internal bool Take(CallLogLine line) => _take(line);

    internal bool TakeItem(ReadOnlyMemory<byte>? item) => _takeItem?.Invoke(item) ?? false;

    /// <summary>Set by the worker handle before the call is sent.</summary>
    internal void Attach(Action<long> acknowledge) => _acknowledge = acknowledge;

    /// <summary>Lines of this total <see cref="LogLimits.CostOfLine"/> have left the server (or were dropped): the call may write on.</summary>
    public void Acknowledge(long cost) => _acknowledge?.Invoke(cost);
}
