using System.Net;
using System.Net.Sockets;

namespace Kt.Workflows.Services;

/// <summary>
/// <c>kt forward</c>'s local port: a TCP listener on 127.0.0.1 that relays each connection to a pod's address (a
/// process or docker pod's published port, a Kubernetes pod's port-forward), so the port stays the same for as long
/// as <c>kt forward</c> runs, whatever port the pod got. Bytes pass unchanged: the pod still checks the bearer token.
/// </summary>
public sealed class LoopbackRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Uri _target;

    private LoopbackRelay(TcpListener listener, Uri target)
    {
        _listener = listener;
        _target = target;
    }

    public int LocalPort => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Listens on 127.0.0.1:<paramref name="localPort"/> (0: any free port).</summary>
    public static LoopbackRelay Start(int localPort, Uri target)
    {
        var listener = new TcpListener(IPAddress.Loopback, localPort);
        try
        {
            listener.Start();
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new KtException(ServiceErrors.PortInUse, $"cannot listen on 127.0.0.1:{localPort} ({e.SocketErrorCode}); pick another --port, or 0 for any free one");
        }

        return new LoopbackRelay(listener, target);
    }

    /// <summary>Accepts and relays until cancelled; each connection ends on its own when either side closes.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var connections = new List<Task>();
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
                connections.RemoveAll(c => c.IsCompleted);
                connections.Add(RelayAsync(client, cancellationToken));
            }
        }
        finally
        {
            await Task.WhenAll(connections).ConfigureAwait(false);
        }
    }

    private async Task RelayAsync(TcpClient client, CancellationToken cancellationToken)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await upstream.ConnectAsync(_target.Host, _target.Port, cancellationToken).ConfigureAwait(false);
                var local = client.GetStream();
                var remote = upstream.GetStream();
                // Each side's end is passed on as a half-close, so a response still in flight completes.
                await Task.WhenAll(CopyAsync(local, upstream.Client, remote, cancellationToken), CopyAsync(remote, client.Client, local, cancellationToken)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // The connection ends; the listener goes on.
            }
        }
    }

    /// <summary>Copies until the source ends, then half-closes the destination so the other side sees the end too.</summary>
    private static async Task CopyAsync(Stream source, Socket destinationSocket, Stream destination, CancellationToken cancellationToken)
    {
        try
        {
            await source.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
            destinationSocket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

    public ValueTask DisposeAsync()
    {
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
