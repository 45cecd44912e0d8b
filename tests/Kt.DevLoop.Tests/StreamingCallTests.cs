using Kt.Client;

namespace Kt.DevLoop.Tests;

/// <summary>
/// Results that stream, through the real client, pod runtime and worker on a process pod: <c>await foreach</c> gets
/// the elements of a remote <c>IAsyncEnumerable</c> in order as they are produced; a consumer that stops reading
/// pauses the producer (the pod holds a bounded window, not the stream); leaving the loop early cancels the remote
/// iterator (its <c>finally</c> runs, far from the end); an exception is thrown at the element where it happened.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class StreamingCallTests
{
    private const int Total = 100_000;

    [Fact]
    public async Task A_remote_stream_arrives_in_order_paced_by_its_consumer_and_leaving_early_stops_the_producer()
    {
        var compute = new Compute { Service = ProcessBackendTests.Unique("stream") };
        await using var rows = await Remote.Fn(SampleStreams.Count).ToAsync(compute);
        await using var progress = await Remote.Fn(SampleStreams.Progress).ToAsync(compute);
        await using var lines = await Remote.Fn(SampleStreams.Lines).ToAsync(compute);
        await using var few = await Remote.Fn(SampleStreams.Few).ToAsync(compute);
        await using var reader = await Remote.Cls<SampleStreamingReader>().ToAsync(compute);
        try
        {
            // 100,000 rows (about 14 MB of JSON), read slowly at first: while this loop reads nothing the producer
            // stops within its window and what the sockets hold, long before the end; then every row comes, in order.
            var run = Guid.NewGuid().ToString("N");
            var next = 0;
            await foreach (var row in rows.StreamAsync<SampleRow>(run, Total))
            {
                Assert.Equal(next++, row!.Index);
                if (next == 10)
                {
                    var paused = await ProducedOnceSettledAsync(progress, run);
                    Assert.InRange(paused, 10, Total / 2);
                }
            }

            Assert.Equal(Total, next);
            var ended = await progress.CallAsync<long[]>(run);
            Assert.Equal(new long[] { Total, Total, 0 }, ended);

            // Leaving the loop: the pod cancels the iterator, whose finally runs with far fewer rows than asked for.
            var early = Guid.NewGuid().ToString("N");
            var taken = 0;
            await foreach (var row in rows.StreamAsync<SampleRow>(early, 10_000_000))
            {
                if (++taken == 10)
                {
                    break;
                }
            }

            var stopped = await StoppedAsync(progress, early);
            Assert.InRange(stopped[1], 10, Total);
            Assert.Equal(1, stopped[2]); // ended by the cancellation, not by running out

            // An exception is thrown where it happened, after the elements before it, as the user's own type.
            var received = new List<string?>();
            var failure = await Assert.ThrowsAsync<SampleAppException>(async () =>
            {
                await foreach (var line in lines.StreamAsync<string>(5, 3))
                {
                    received.Add(line);
                }
            });
            Assert.Equal("line 3 is bad", failure.Message);
            Assert.Equal(["line 0", "line 1", "line 2"], received);

            // A class method's stream; a caller that takes one result gets an async stream gathered into a list.
            var read = new List<string?>();
            await foreach (var line in reader.StreamAsync(r => r.Read("r", 3, CancellationToken.None)))
            {
                read.Add(line);
            }

            Assert.Equal(["r0", "r1", "r2"], read);
            var gathered = await few.CallAsync<int[]>(4);
            Assert.Equal(new[] { 0, 1, 2, 3 }, gathered);
        }
        finally
        {
            await rows.TeardownAsync();
        }
    }

    // The producer's count once it stops moving (five polls in a row alike), or once it reached the end.
    private static async Task<long> ProducedOnceSettledAsync(DeployedFunction progress, string run)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var (last, alike) = (-1L, 0);
        while (true)
        {
            var produced = (await progress.CallAsync<long[]>(run))![0];
            alike = produced == last ? alike + 1 : 0;
            last = produced;
            if (alike >= 5 || produced >= Total)
            {
                return produced;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the producer was still moving after 30 s ({produced} rows)");
            await Task.Delay(20);
        }
    }

    private static async Task<long[]> StoppedAsync(DeployedFunction progress, string run)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var state = (await progress.CallAsync<long[]>(run))!;
            if (state[1] >= 0)
            {
                return state;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the producer did not stop within 30 s of the caller leaving ({state[0]} rows)");
            await Task.Delay(20);
        }
    }
}
