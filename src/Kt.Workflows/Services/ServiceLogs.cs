using System.Threading.Channels;
using Kt.DevLoop;
using Kt.PodRuntime.Client;

namespace Kt.Workflows.Services;

/// <summary>
/// <c>kt logs</c>: the call output each pod retains (<c>GET /logs</c>), one line per output line prefixed with the pod,
/// and with <c>follow</c> the new lines as they come from every pod at once, until cancelled.
/// </summary>
public static class ServiceLogs
{
    public static async Task StreamAsync(IReadOnlyList<PodEndpoint> pods, bool follow, Action<string> write, CancellationToken cancellationToken)
    {
        // One writer: the pods' lines interleave as they arrive, each line whole.
        var lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
        var readers = Task.WhenAll(pods.Select(pod => ReadAsync(pod, follow, lines.Writer, cancellationToken)));
        var completion = readers.ContinueWith(t => lines.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Default);
        await foreach (var line in lines.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            write(line);
        }

        await completion.ConfigureAwait(false);
        await readers.ConfigureAwait(false);
    }

    private static async Task ReadAsync(PodEndpoint pod, bool follow, ChannelWriter<string> lines, CancellationToken cancellationToken)
    {
        using var client = new PodClient(pod.Address, pod.Token);
        await foreach (var line in client.FollowLogsAsync(follow: follow, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (!line.End && line.Line is not null)
            {
                var stream = line.Stream == "stderr" ? " (stderr)" : "";
                await lines.WriteAsync($"[{pod.Name}]{stream} {line.Line}", cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
