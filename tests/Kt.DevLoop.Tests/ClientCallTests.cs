using Kt.Client;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// The call API as a .NET developer expects it, on real process pods: a CancellationToken is the call's own
/// parameter (never serialised as an argument), class methods are named by expression, an eager class is constructed
/// at ToAsync, and a deployed service releases its connections on dispose while the pods keep running.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class ClientCallTests
{
    [Fact]
    public async Task A_token_is_the_calls_own_parameter_on_every_overload_and_cancels_the_call()
    {
        var compute = new Compute { Service = ProcessBackendTests.Unique("token") };
        await using var twice = await Remote.Fn(SampleFunctions.Twice).ToAsync(compute);
        await using var counter = await Remote.Cls<SampleCounter>(10).ToAsync(compute);
        try
        {
            using var live = new CancellationTokenSource();
            // Each of these once sent the token as a JSON argument (NotSupportedException … IntPtr); now it is the token.
            Assert.Equal("abab", await twice.CallAsync<string>("ab", live.Token));
            Assert.Equal(["abab"], await twice.CallAllAsync<string>("ab", live.Token));
            Assert.Equal(15, await counter.CallAsync<int>(nameof(SampleCounter.Add), 5, live.Token));
            Assert.Equal([17], await counter.CallAllAsync<int>(nameof(SampleCounter.Add), 2, live.Token));

            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => twice.CallAsync<string>("ab", cancelled.Token));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => counter.CallAllAsync<int>(nameof(SampleCounter.Add), 1, cancelled.Token));
            Assert.Equal(18, await counter.CallAsync<int>(nameof(SampleCounter.Add), 1)); // the cancelled calls did not run

            // A token inside an explicit argument array is refused before anything is sent.
            var misplaced = await Assert.ThrowsAsync<ArgumentException>(() => twice.CallAsync<string>(["ab", live.Token], live.Token));
            Assert.Contains("cancellationToken parameter", misplaced.Message, StringComparison.Ordinal);
        }
        finally
        {
            await twice.TeardownAsync();
        }
    }

    [Fact]
    public async Task Class_methods_are_named_by_expression_with_arguments_evaluated_here()
    {
        var compute = new Compute { Service = ProcessBackendTests.Unique("expr"), Replicas = 2 };
        await using var counter = await Remote.Cls<SampleCounter>(100).ToAsync(compute);
        try
        {
            var amount = 7;
            var first = await counter.CallAsync(c => c.Add(amount));
            var each = await counter.CallAllAsync(c => c.Add(amount * 2));

            Assert.Equal(107, first);
            Assert.Equal([114, 121], each.Order()); // one replica had 107, the other 100
            var wrong = await Assert.ThrowsAsync<ArgumentException>(() => counter.CallAsync(c => c.Add(1) + 1));
            Assert.Contains("x => x.Method(arg1, arg2)", wrong.Message, StringComparison.Ordinal);
        }
        finally
        {
            await counter.TeardownAsync();
        }
    }

    [Fact]
    public async Task An_eager_class_is_constructed_at_ToAsync_and_a_lazy_one_at_its_first_call()
    {
        using var temp = new TempFolder();
        var compute = new Compute { Service = ProcessBackendTests.Unique("eager") };
        var lazyMark = temp.Combine("lazy.txt");
        var eagerMark = temp.Combine("eager.txt");

        await using var lazy = await Remote.Cls<SampleMarker>(lazyMark).ToAsync(compute);
        Assert.False(File.Exists(lazyMark), "a lazy class waits for its first call");
        await using var eager = await Remote.Cls<SampleMarker>(eagerMark).Eager().ToAsync(compute);
        try
        {
            Assert.True(File.Exists(eagerMark), "an eager class is constructed before ToAsync returns");
            Assert.Equal("marker says hi to you", await eager.CallAsync(m => m.Hello("you")));
        }
        finally
        {
            await eager.TeardownAsync();
        }
    }

    [Fact]
    public async Task Disposing_releases_the_connections_once_unused_and_the_pods_keep_serving_the_next_ToAsync()
    {
        var compute = new Compute { Service = ProcessBackendTests.Unique("dispose") };
        var first = await Remote.Fn(SampleFunctions.Twice).ToAsync(compute);
        var second = await Remote.Fn(SampleFunctions.Rank).ToAsync(compute);
        try
        {
            await first.DisposeAsync();
            Assert.Equal(0, await second.CallAsync<int>()); // the other service of the compute still has its connection
            second.Dispose();
            await Assert.ThrowsAnyAsync<ObjectDisposedException>(() => second.CallAsync<int>());

            await using var again = await Remote.Fn(SampleFunctions.Twice).ToAsync(compute);
            Assert.Equal(0, again.Report.Pods.Created); // the pods were still running: found, not created
            Assert.Equal("xx", await again.CallAsync<string>("x"));
            await again.TeardownAsync();
        }
        finally
        {
            using var backend = new Backends.ProcessBackend();
            await backend.TeardownAsync(compute.Service!);
        }
    }
}
