using System.Collections.Concurrent;
using System.Text;
using Kt.PodRuntime.Observability;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// The per-call log state, flowing with the call's async context: partial lines per stream, and a completed flag so
/// that output is sent exactly once and nothing is sent after the result.
/// </summary>
internal sealed class CallScope
{
    // A thread started inside a call runs with the call's flow: the change handler sees it start (BackgroundWriters).
    private static readonly AsyncLocal<CallScope?> CurrentScope = new(OnFlowChanged);
    private static readonly ConcurrentDictionary<long, CallScope> Open = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private long _stdoutDropped;
    private long _stderrDropped;
    private readonly Action<CallScope, string, string> _emit;
    private bool _completed;
    private long _unacknowledged; // output sent that the server has not yet passed on (LogLimits.CallWindow)
    private TaskCompletionSource? _room; // a stream's producer waiting for credit
    private readonly CancellationToken _cancelled;

    /// <param name="cancelled">The call's token: once its caller is gone, nothing will acknowledge its output, so its writers stop waiting for room.</param>
    public CallScope(long callId, string requestId, Action<CallScope, string, string> emit, CancellationToken cancelled)
    {
        CallId = callId;
        RequestId = requestId;
        _emit = emit;
        _cancelled = cancelled;
        Open[callId] = this;
    }

    public static CallScope? Current
    {
        get => CurrentScope.Value;
        set => CurrentScope.Value = value;
    }

    private static void OnFlowChanged(AsyncLocalValueChangedArgs<CallScope?> change)
    {
        if (change.ThreadContextChanged && change.PreviousValue is null && change.CurrentValue is { } call)
        {
            BackgroundWriters.Born(call);
        }
    }

    /// <summary>
    /// Where output written outside any open call's flow goes — by a thread that outlived the call it was started in,
    /// such as a logging provider's queue thread: to the one call in flight, the only one it can belong to. With
    /// several calls in flight it cannot be told apart and stays in the pod's log only.
    /// </summary>
    public static CallScope? SoleOpen
    {
        get
        {
            using var calls = Open.GetEnumerator();
            if (!calls.MoveNext())
            {
                return null;
            }

            var sole = calls.Current.Value;
            return calls.MoveNext() ? null : sole;
        }
    }

    public long CallId { get; }

    /// <summary>The server passed on this much of call <paramref name="callId"/>'s output (reader thread).</summary>
    public static void Credit(long callId, long cost)
    {
        if (Open.TryGetValue(callId, out var scope))
        {
            Interlocked.Add(ref scope._unacknowledged, -cost);
            Interlocked.Exchange(ref scope._room, null)?.TrySetResult();
        }
    }

    /// <summary>Counts output sent other than as a line (an item of a stream result) against the call's window.</summary>
    public void Sent(long cost) => Interlocked.Add(ref _unacknowledged, cost);

    /// <summary>
    /// <see cref="WaitForRoom"/> for a stream result's producer (ItemSink): it awaits the server's credit instead of
    /// holding a thread, so a slow caller pauses the user's iterator at its next <c>yield</c>.
    /// </summary>
    public async ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (Volatile.Read(ref _unacknowledged) >= LogLimits.CallWindow)
        {
            var room = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _room, room);
            if (Volatile.Read(ref _unacknowledged) < LogLimits.CallWindow)
            {
                break; // credit came between the check and the wait
            }

            await room.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Back-pressure: while a window of this call's output is on its way and not passed on (its caller reads slowly or
    /// not at all), the writing thread waits. Inside a console write it waits on the console's own lock with
    /// <see cref="Monitor.Wait(object, int)"/>, which lets other threads (other calls) write meanwhile.
    /// </summary>
    public void WaitForRoom(object? consoleLock)
    {
        // A cancelled call is not held: the server drops (and acknowledges) what it sends from then on, and a writer
        // blocked here could never reach the user's next check of the token.
        while (Volatile.Read(ref _unacknowledged) >= LogLimits.CallWindow && !IsCompleted && !_cancelled.IsCancellationRequested)
        {
            if (consoleLock is not null && Monitor.IsEntered(consoleLock))
            {
                Monitor.Wait(consoleLock, 2);
            }
            else
            {
                Thread.Sleep(2);
            }
        }
    }

    /// <summary>Whether the call's output is closed (its result is on the way).</summary>
    public bool IsCompleted => Volatile.Read(ref _completed);

    public string RequestId { get; }

    /// <summary>
    /// Appends text written to a stream; whole lines are emitted at once, each held up to
    /// <see cref="LogLimits.MaxLineChars"/> (the rest is counted, not buffered, and the line ends with a note).
    /// </summary>
    public void Append(string stream, ReadOnlySpan<char> text)
    {
        lock (this)
        {
            if (_completed)
            {
                return;
            }

            var stderr = stream == "stderr";
            var buffer = stderr ? _stderr : _stdout;
            while (!text.IsEmpty)
            {
                var newline = text.IndexOf('\n');
                var part = newline < 0 ? text : text[..newline];
                var room = Math.Max(0, LogLimits.MaxLineChars - buffer.Length);
                buffer.Append(part[..Math.Min(room, part.Length)]);
                if (part.Length > room)
                {
                    if (stderr)
                    {
                        _stderrDropped += part.Length - room;
                    }
                    else
                    {
                        _stdoutDropped += part.Length - room;
                    }
                }

                if (newline < 0)
                {
                    return;
                }

                if (buffer.Length > 0 && buffer[^1] == '\r')
                {
                    buffer.Length--;
                }

                EmitLine(stream, buffer, stderr);
                text = text[(newline + 1)..];
            }
        }
    }

    // Caller holds the lock.
    private void EmitLine(string stream, StringBuilder buffer, bool stderr)
    {
        var dropped = stderr ? _stderrDropped : _stdoutDropped;
        var line = dropped > 0 ? buffer + LogLimits.Note(dropped) : buffer.ToString();
        Interlocked.Add(ref _unacknowledged, LogLimits.CostOfLine(line));
        _emit(this, stream, line);
        buffer.Clear();
        if (stderr)
        {
            _stderrDropped = 0;
        }
        else
        {
            _stdoutDropped = 0;
        }
    }

    /// <summary>Emits unterminated lines and closes the scope; called before the result is sent, so no output is lost.</summary>
    public void Complete()
    {
        lock (this)
        {
            if (_completed)
            {
                return;
            }

            if (_stdout.Length > 0)
            {
                EmitLine("stdout", _stdout, stderr: false);
            }

            if (_stderr.Length > 0)
            {
                EmitLine("stderr", _stderr, stderr: true);
            }

            Volatile.Write(ref _completed, true);
            Open.TryRemove(CallId, out _);
        }
    }
}
