using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Kt.DevLoop.Tests;

/// <summary>One element of <see cref="SampleStreams.Count"/>: its index and a payload that makes the stream far larger than any buffer on the way.</summary>
public sealed record SampleRow(int Index, string Payload);

/// <summary>
/// User code whose results are streams. Each run records on the pod how far its producer got and whether its
/// <c>finally</c> ran (<see cref="Progress"/>), so a test can see the producer pause and stop.
/// </summary>
public static class SampleStreams
{
    private static readonly ConcurrentDictionary<string, RunState> Runs = new();

    /// <summary>Yields <paramref name="count"/> rows, recording each before it is yielded.</summary>
    public static async IAsyncEnumerable<SampleRow> Count(string run, int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = Runs.GetOrAdd(run, _ => new RunState());
        var payload = new string('x', 120);
        try
        {
            for (var i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Interlocked.Increment(ref state.Produced);
                yield return new SampleRow(i, payload);
                if (i % 1000 == 999)
                {
                    await Task.Yield();
                }
            }
        }
        finally
        {
            state.Cancelled = cancellationToken.IsCancellationRequested;
            Volatile.Write(ref state.StoppedAt, Volatile.Read(ref state.Produced));
        }
    }

    /// <summary>[rows produced so far, rows produced when the iterator ended (-1 while it runs), 1 if it ended cancelled].</summary>
    public static long[] Progress(string run) =>
        Runs.TryGetValue(run, out var state) ? [Volatile.Read(ref state.Produced), Volatile.Read(ref state.StoppedAt), state.Cancelled ? 1 : 0] : [0, -1, 0];

    /// <summary>A lazy sequence that fails at element <paramref name="failAt"/>.</summary>
    public static IEnumerable<string> Lines(int count, int failAt)
    {
        for (var i = 0; i < count; i++)
        {
            if (i == failAt)
            {
                throw new SampleAppException($"line {i} is bad");
            }

            yield return $"line {i}";
        }
    }

    /// <summary>A small async stream, for a caller that takes one result (it is gathered into a list).</summary>
    public static async IAsyncEnumerable<int> Few(int count)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            yield return i;
        }
    }

    private sealed class RunState
    {
        public long Produced;
        public long StoppedAt = -1;
        public bool Cancelled;
    }
}

/// <summary>A class service with a streaming method.</summary>
public sealed class SampleStreamingReader
{
    public async IAsyncEnumerable<string> Read(string prefix, int count, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var i = 0; i < count; i++)
        {
            await Task.Yield();
            cancellationToken.ThrowIfCancellationRequested();
            yield return prefix + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }
}
