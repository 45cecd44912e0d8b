using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Supervision;

namespace Kt.PodRuntime.Tests;

/// <summary>A live /logs follower that falls behind is bounded in bytes (it once held up to 10,000 records of any size).</summary>
public sealed class LogFollowerTests
{
    [Fact]
    public async Task A_follower_that_falls_behind_holds_a_bounded_number_of_bytes_and_keeps_the_newest_lines()
    {
        var hub = new LogHub();
        var (_, live, unsubscribe) = hub.Subscribe(null, follow: true);
        try
        {
            var filler = new string('x', LogLimits.MaxLineChars);
            for (var i = 0; i < 2000; i++)
            {
                hub.Publish(new CallLogLine("r", "stdout", $"{i:0000} {filler}")); // 2,000 × 32 KiB = 64 MiB offered
            }

            Assert.InRange(live!.QueuedBytes, LogLimits.MaxFollowerBytes / 2, LogLimits.MaxFollowerBytes);

            hub.EndOfRequest("r");
            var lines = new List<string>();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await foreach (var record in live.ReadAllAsync(timeout.Token))
            {
                if (record.End)
                {
                    break;
                }

                lines.Add(record.Line[..4]);
            }

            Assert.Equal("1999", lines[^1]);
            Assert.Equal(Enumerable.Range(2000 - lines.Count, lines.Count).Select(i => $"{i:0000}"), lines); // the oldest went, in order
            Assert.Equal(0, live.QueuedBytes);
        }
        finally
        {
            unsubscribe();
        }
    }
}
