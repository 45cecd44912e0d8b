using System.Net;
using System.Net.Sockets;
using Kt.Core;

namespace Kt.Oci.Tests;

/// <summary>Issue 12, fault 5: a registry that accepts connections and never answers no longer hangs a freeze.</summary>
public sealed class RegistryTimeoutTests
{
    [Fact]
    public async Task Fault5_a_registry_that_accepts_and_never_answers_fails_with_KT2036_after_the_idle_time()
    {
        using var silent = new SilentServer();
        var lines = new List<string>();
        using var client = ImpatientClient(lines);

        var error = await Assert.ThrowsAsync<KtException>(() => client.PingAsync(silent.Registry).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal("KT2036", error.Code);
        Assert.Contains("sent nothing for 0.3 s", error.Message, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("no answer", StringComparison.Ordinal) && l.Contains("retrying", StringComparison.Ordinal));
        Assert.Equal(2, silent.Accepted); // one retry after an idle timeout, not four
    }

    [Fact]
    public async Task Fault5_a_whole_push_is_bounded_and_says_how_far_it_got()
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Path));
        using var silent = new SilentServer();
        using var client = new RegistryClient(new RegistryClientOptions
        {
            Credentials = NoCredentials.Instance,
            IdleTimeout = TimeSpan.FromMinutes(5),
            PushTimeout = TimeSpan.FromMilliseconds(500),
        });

        var error = await Assert.ThrowsAsync<KtException>(() =>
            new ImagePusher(client).PushAsync(image, ImageReference.Parse($"{silent.Registry}/app:1")).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal("KT2037", error.Code);
        Assert.Contains($"0 of {image.Layers.Count + 1} blobs done", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fault5_a_blob_download_that_stalls_after_its_headers_fails_with_KT2036_after_the_idle_time()
    {
        using var temp = new TempDirectory();
        // Headers and 10 of the 1,000 bytes they announce, then nothing: before, the download waited for RequestTimeout.
        using var stalling = new SilentServer("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 1000\r\n\r\n0123456789");
        var lines = new List<string>();
        using var client = ImpatientClient(lines);
        var blob = new Descriptor("application/octet-stream", Digest.Compute(new byte[1000]), 1000);

        var error = await Assert.ThrowsAsync<KtException>(() =>
            client.PullBlobAsync(ImageReference.Parse($"{stalling.Registry}/app:1"), blob, new BlobCache(temp.Path)).WaitAsync(TimeSpan.FromSeconds(60)));

        Assert.Equal("KT2036", error.Code);
        Assert.Contains("sent nothing for 0.3 s in the middle of a response body", error.Message, StringComparison.Ordinal);
        Assert.Contains(lines, l => l.Contains("retrying", StringComparison.Ordinal));
        Assert.Equal(2, stalling.Accepted); // one retry, as for a registry that sends nothing at all
        Assert.DoesNotContain(Directory.EnumerateFiles(temp.Path, "*", SearchOption.AllDirectories), f => f.Contains(blob.Digest.Hex, StringComparison.Ordinal));
    }

    /// <summary>A client with a 0.3 s idle bound and near-instant retries, its progress lines collected.</summary>
    private static RegistryClient ImpatientClient(List<string> lines) => new(new RegistryClientOptions
    {
        Credentials = NoCredentials.Instance,
        IdleTimeout = TimeSpan.FromMilliseconds(300),
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        Progress = line => { lock (lines) { lines.Add(line); } },
    });

    /// <summary>
    /// A TCP listener on loopback that accepts every connection, reads what comes and never writes a byte — or, given
    /// an answer, writes it once when a request arrives and then nothing more.
    /// </summary>
    private sealed class SilentServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _held = [];
        private int _accepted;

        private readonly byte[]? _answer;

        public SilentServer(string? answer = null)
        {
            _answer = answer is null ? null : System.Text.Encoding.ASCII.GetBytes(answer);
            _listener.Start();
            _ = AcceptAsync();
        }

        public string Registry => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public int Accepted => Volatile.Read(ref _accepted);

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref _accepted);
                    lock (_held)
                    {
                        _held.Add(client);
                    }

                    _ = DrainAsync(client, _answer);
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // stopped
            }
        }

        private static async Task DrainAsync(TcpClient client, byte[]? answer)
        {
            var buffer = new byte[4096];
            try
            {
                while (await client.GetStream().ReadAsync(buffer) > 0)
                {
                    if (answer is not null)
                    {
                        await client.GetStream().WriteAsync(answer);
                        answer = null;
                    }
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
            }
        }

        public void Dispose()
        {
            _listener.Stop();
            lock (_held)
            {
                _held.ForEach(c => c.Dispose());
            }
        }
    }
}
