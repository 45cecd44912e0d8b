using System.Threading.Channels;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Supervision;

namespace Kt.PodRuntime.Hosting;

/// <summary>
/// A streamed call's output on its way to the caller. The worker's reader hands lines over (never blocking); the
/// stream's one writer writes them and acknowledges what it has flushed, which paces the call
/// (<see cref="LogLimits.CallWindow"/>): a caller that reads slowly or not at all holds the call back instead of
/// growing the server. Past <see cref="LogLimits.StreamQueueLimit"/> (only one huge multi-line write gets there) lines
/// are left out of the stream with a note; the pod's log and the container log keep them.
/// A caller that takes a stream result item by item (<c>takesItems</c>) gets its elements through the same queue, in
/// order with the lines, paced by the same window; elements are never left out (the window bounds them).
/// </summary>
internal sealed class StreamedOutput
{
    private readonly Channel<Entry> _lines = Channel.CreateUnbounded<Entry>(); // not single-reader: that one cannot count
    private long _queued;
    private long _dropped;

    public StreamedOutput(bool takesItems = false) => Sink = takesItems ? new CallOutput(Take, TakeItem) : new CallOutput(Take);

    // A line, the start of a stream result (IsItem, no Json) or one of its elements (IsItem, Json).
    private readonly record struct Entry(CallLogLine Line, bool IsItem = false, ReadOnlyMemory<byte>? Json = null)
    {
        public long Cost => IsItem ? (Json is { } json ? LogLimits.CostOfItem(json.Length) : 0) : LogLimits.CostOfLine(Line.Line);
    }

    /// <summary>What the call is given to send its lines to.</summary>
    public CallOutput Sink { get; }

    /// <summary>No more lines will be taken (the call answered or its caller stopped waiting); the pump ends once written.</summary>
    public void Complete() => _lines.Writer.TryComplete();

    private bool Take(CallLogLine line)
    {
        if (Volatile.Read(ref _queued) >= LogLimits.StreamQueueLimit)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        if (!_lines.Writer.TryWrite(new Entry(line)))
        {
            return false; // the stream is over: acknowledged at once, the line stays in the pod's log
        }

        Interlocked.Add(ref _queued, LogLimits.CostOfLine(line.Line));
        return true;
    }

    private bool TakeItem(ReadOnlyMemory<byte>? json)
    {
        var entry = new Entry(default, IsItem: true, json);
        if (!_lines.Writer.TryWrite(entry))
        {
            return false;
        }

        Interlocked.Add(ref _queued, entry.Cost);
        return true;
    }

    /// <summary>Writes the lines as they come until <see cref="Complete"/>; a caller that left makes each write a no-op.</summary>
    public async Task PumpAsync(NdJsonWriter stream)
    {
        var written = 0L;
        await foreach (var entry in _lines.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            var line = entry.Line;
            if (Interlocked.Exchange(ref _dropped, 0) is var dropped and > 0)
            {
                await stream.WriteAsync(Line("stderr", $"[kt: {dropped} lines of this call were not streamed: they came faster than they could be queued; the pod's log has them]"), PodJsonContext.Default.CallStreamLine, flush: false).ConfigureAwait(false);
            }

            var cost = entry.Cost;
            Interlocked.Add(ref _queued, -cost);
            written += cost;
            // Flushed (so acknowledged) when the queue is empty or a credit step is written: the response pipe holds
            // little, and what the caller has not read waits in its socket, where Kestrel's flush holds this writer.
            var flush = _lines.Reader.Count == 0 || written >= LogLimits.CreditStep;
            if (!entry.IsItem)
            {
                await stream.WriteAsync(Line(line.Stream, line.Line), PodJsonContext.Default.CallStreamLine, flush).ConfigureAwait(false);
            }
            else if (entry.Json is { } json)
            {
                await stream.WriteWithRawMemberAsync(new CallStreamLine { Type = PodEvents.CallItem }, PodJsonContext.Default.CallStreamLine, "value"u8, json, flush).ConfigureAwait(false);
            }
            else
            {
                await stream.WriteAsync(new CallStreamLine { Type = PodEvents.CallStream }, PodJsonContext.Default.CallStreamLine, flush).ConfigureAwait(false);
            }

            if (flush)
            {
                Sink.Acknowledge(written);
                written = 0;
            }
        }

        if (written > 0)
        {
            Sink.Acknowledge(written);
        }
    }

    private static CallStreamLine Line(string stream, string line) => new() { Type = PodEvents.CallLog, Stream = stream, Line = line };
}
