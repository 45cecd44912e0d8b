using System.Net;
using Kt.Core;

namespace Kt.Oci.Tests;

/// <summary>
/// Issue 22, item 4: a registry that answers the upload POST with an error status and a <c>Content-Length</c> it never
/// sends. Before, the error body was read with no idle bound and without the push's token: the push hung for ever and
/// its 20-minute bound (KT2037) never fired.
/// </summary>
public sealed class RegistryStalledErrorBodyTests
{
    [Theory]
    [InlineData(500)]
    [InlineData(400)]
    public async Task A_stalled_error_body_fails_the_push_with_KT2036_after_the_idle_time(int status)
    {
        using var registry = new StallingErrorRegistry(status);
        var error = await PushFailureAsync(registry, new RegistryClientOptions
        {
            Credentials = NoCredentials.Instance,
            IdleTimeout = TimeSpan.FromMilliseconds(300),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetries = 1,
            MaxParallelTransfers = 1,
        });

        Assert.Equal("KT2036", error.Code);
        Assert.Contains($"HTTP {status}", error.Message, StringComparison.Ordinal);
        Assert.True(registry.StalledAnswers >= 1, "the fake never got to stall an upload answer");
    }

    [Fact]
    public async Task The_push_bound_fires_while_an_error_body_stalls()
    {
        using var registry = new StallingErrorRegistry(500);
        var error = await PushFailureAsync(registry, new RegistryClientOptions
        {
            Credentials = NoCredentials.Instance,
            IdleTimeout = TimeSpan.FromMinutes(5),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetries = 0,
            PushTimeout = TimeSpan.FromSeconds(1),
        });

        Assert.Equal("KT2037", error.Code);
        Assert.True(registry.StalledAnswers >= 1, "the fake never got to stall an upload answer");
    }

    [Fact]
    public async Task The_callers_cancellation_ends_a_read_of_a_stalled_error_body()
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Path));
        using var registry = new StallingErrorRegistry(400);
        using var client = new RegistryClient(new RegistryClientOptions
        {
            Credentials = NoCredentials.Instance,
            IdleTimeout = TimeSpan.FromMinutes(5),
            MaxRetries = 0,
        });
        using var cancel = new CancellationTokenSource();
        var push = new ImagePusher(client).PushAsync(image, ImageReference.Parse($"{registry.Registry}/app:1"), cancellationToken: cancel.Token);

        await registry.FirstStall.WaitAsync(TimeSpan.FromSeconds(60));
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => push.WaitAsync(TimeSpan.FromSeconds(60)));
    }

    // Pushes a sample image to the stalling registry and returns the push's failure. The outer wait only stops a
    // regression from hanging the suite; it is far past what the bounds allow.
    private static async Task<KtException> PushFailureAsync(StallingErrorRegistry registry, RegistryClientOptions options)
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Path));
        using var client = new RegistryClient(options);
        return await Assert.ThrowsAsync<KtException>(() =>
            new ImagePusher(client).PushAsync(image, ImageReference.Parse($"{registry.Registry}/app:1")).WaitAsync(TimeSpan.FromSeconds(60)));
    }

    /// <summary>
    /// A registry speaking just enough of the distribution API to reach an upload: <c>/v2/</c> answers 200, a blob's HEAD
    /// 404, and the upload POST the given error status announcing a 1,000-byte body of which it sends 10, then nothing.
    /// </summary>
    private sealed class StallingErrorRegistry : IDisposable
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _firstStall = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly LoopbackServer _server;
        private int _stalled;

        public StallingErrorRegistry(int status) => _server = new LoopbackServer(context => AnswerAsync(context, status));

        public string Registry => _server.Registry;

        public int StalledAnswers => Volatile.Read(ref _stalled);

        public Task FirstStall => _firstStall.Task;

        private async Task AnswerAsync(HttpListenerContext context, int status)
        {
            var request = context.Request;
            if (request.HttpMethod == "POST" && request.Url!.AbsolutePath.EndsWith("/blobs/uploads/", StringComparison.Ordinal))
            {
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength64 = 1000;
                await context.Response.OutputStream.WriteAsync("{\"errors\":"u8.ToArray());
                await context.Response.OutputStream.FlushAsync();
                Interlocked.Increment(ref _stalled);
                _firstStall.TrySetResult();
                await _released.Task; // the rest of the body never comes
                context.Response.Abort();
                return;
            }

            await LoopbackServer.RespondAsync(context, request.HttpMethod == "HEAD" ? 404 : 200);
        }

        public void Dispose()
        {
            _released.TrySetResult();
            _server.Dispose();
        }
    }
}
