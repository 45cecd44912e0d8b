using Kt.Client;
using Kt.PodRuntime.Client;

namespace Kt.DevLoop.Tests;

/// <summary>
/// A user exception raised on a pod reaches the caller as its own type, through the real client, pod runtime and
/// worker on process pods: <c>catch (SampleAppException)</c> works, with its message, HResult, Data, inner exception
/// and the pod's frames (not the runtime's or reflection's) in its stack; one the caller cannot make stays a
/// RemoteException; class methods do the same, and a broadcast names its failed ranks in an AggregateException.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class RemoteExceptionTests
{
    private static readonly string[] MachineryFrames = ["Kt.PodRuntime.", "System.Reflection.", "System.RuntimeMethodHandle."];

    [Fact]
    public async Task The_callers_catch_of_its_own_exception_type_fires_with_the_pods_frames_and_an_unmakeable_type_falls_back()
    {
        var compute = new Compute { Service = ProcessBackendTests.Unique("throws"), Replicas = 2 };
        await using var place = await Remote.Fn(SampleFailures.Place).ToAsync(compute);
        await using var placeLater = await Remote.Fn(SampleFailures.PlaceLaterAsync).ToAsync(compute);
        await using var opaque = await Remote.Fn(SampleFailures.Opaque).ToAsync(compute);
        await using var onRanks = await Remote.Fn(SampleFailures.FailOnRanks).ToAsync(compute);
        await using var counter = await Remote.Cls<SampleStrictCounter>().ToAsync(compute);
        try
        {
            Assert.Equal(12, await place.CallAsync<int>("12"));

            SampleAppException? caught = null;
            try
            {
                await place.CallAsync<int>("x1");
            }
            catch (SampleAppException e)
            {
                caught = e;
            }

            Assert.NotNull(caught);
            Assert.Equal("order 'x1' is not a number", caught.Message);
            Assert.Equal(SampleFailures.OrderHResult, caught.HResult);
            Assert.Equal("x1", caught.Data["order"]);
            var inner = Assert.IsType<FormatException>(caught.InnerException);
            Assert.Contains("x1", inner.Message, StringComparison.Ordinal);
            AssertPodFrames(caught, "SampleFailures.Validate", "SampleFailures.Place");
            var origin = RemoteOrigin.Of(caught);
            Assert.NotNull(origin);
            Assert.Equal("KT4033", origin.Code);
            Assert.StartsWith(compute.Service + "-", origin.Pod, StringComparison.Ordinal);
            Assert.Equal(place.Report.Version, origin.Version);
            Assert.False(string.IsNullOrEmpty(origin.RequestId));
            Assert.Null(origin.Rank);

            // Async user code: the state machine's frames are the user's, the awaits of the invoker are not.
            var later = await Assert.ThrowsAsync<SampleAppException>(() => placeLater.CallAsync<int>("y2"));
            AssertPodFrames(later, "SampleFailures.Validate", "SampleFailures.PlaceLaterAsync");

            // A class method: the same.
            Assert.Equal(3, await counter.CallAsync(c => c.Add(3)));
            var refused = await Assert.ThrowsAsync<SampleAppException>(() => counter.CallAsync(c => c.Add(-1)));
            Assert.Equal("cannot add -1", refused.Message);
            AssertPodFrames(refused, "SampleStrictCounter.Add");

            // No constructor this side can call: the RemoteException of before, with the remote type and frames.
            var fallback = await Assert.ThrowsAsync<RemoteException>(() => opaque.CallAsync<int>(7));
            Assert.Equal(typeof(SampleOpaqueException).FullName, fallback.RemoteType);
            Assert.Equal("opaque failure 7", fallback.Error.Message);
            Assert.Equal("KT4033", fallback.Code);
            Assert.Contains("SampleFailures.Opaque", fallback.RemoteStackTrace, StringComparison.Ordinal);
            Assert.DoesNotContain("Kt.PodRuntime.", fallback.RemoteStackTrace, StringComparison.Ordinal);

            // A broadcast: every rank's result, or an AggregateException naming the ranks that failed.
            Assert.Equal([0, 1], await onRanks.CallAllAsync<int>(""));
            var ranks = await Assert.ThrowsAsync<AggregateException>(() => onRanks.CallAllAsync<int>("1"));
            var rankFailure = Assert.IsType<SampleAppException>(Assert.Single(ranks.InnerExceptions));
            Assert.Equal(1, RemoteOrigin.Of(rankFailure)?.Rank);
            Assert.Equal("order 'rank-1' is not a number", rankFailure.Message);
            Assert.Contains($"1 of 2 ranks failed: rank 1 ({typeof(SampleAppException).FullName})", ranks.Message, StringComparison.Ordinal);
        }
        finally
        {
            await place.TeardownAsync();
        }
    }

    // The pod's frames are the remote part of the stack, above this side's; none of the call machinery's is there.
    private static void AssertPodFrames(Exception exception, params string[] userFrames)
    {
        var stack = exception.StackTrace ?? string.Empty;
        foreach (var frame in userFrames)
        {
            Assert.Contains(frame, stack, StringComparison.Ordinal);
        }

        var remote = stack[..stack.IndexOf("--- End of stack trace from previous location ---", StringComparison.Ordinal)];
        Assert.All(MachineryFrames, machinery => Assert.DoesNotContain("at " + machinery, remote, StringComparison.Ordinal));
        Assert.DoesNotContain(Environment.NewLine + Environment.NewLine, remote, StringComparison.Ordinal);
        Assert.Contains("   at ", stack[remote.Length..], StringComparison.Ordinal); // then this side's frames
    }
}
