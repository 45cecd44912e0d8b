using System.Net;
using System.Net.Sockets;

namespace Kt.Kubernetes.Api;

/// <summary>
/// A loopback listener that hands every accepted connection to a tunnel factory (the API server's port-forward for
/// a real cluster). Kept apart from the client so the listener and the byte pump are tested without a cluster.
/// </summary>
public sealed class PortForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    private PortForwarder(TcpListener listener, Func<Stream, CancellationToken, Task> tunnel)
    {
        _listener = listener;
        _accepting = AcceptAsync(tunnel);
    }

    /// <summary>The local port connections are accepted on.</summary>
    public int LocalPort => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <param name="localPort">The loopback port; 0 picks a free one (<see cref="LocalPort"/>).</param>
    /// <param name="tunnel">Serves one accepted connection (its stream) until either side closes.</param>
    public static PortForwarder Start(int localPort, Func<Stream, CancellationToken, Task> tunnel)
    {
        var listener = new TcpListener(IPAddress.Loopback, localPort);
        listener.Start();
        return new PortForwarder(listener, tunnel);
    }

    /// <summary>Copies both ways until one side ends, then ends the other (a half-closed tunnel helps nobody).</summary>
    public static Task PumpAsync(Stream local, Stream remote, CancellationToken cancellationToken) => PumpAsync(local, remote, remote, cancellationToken);

    /// <summary>
    /// As <see cref="PumpAsync(Stream, Stream, CancellationToken)"/>, with the remote side's two directions on two
    /// streams; <paramref name="endRemote"/> ends a remote whose reads ignore cancellation (a blocking demuxed read
    /// returns only once its WebSocket is gone).
    /// </summary>
    public static async Task PumpAsync(Stream local, Stream toRemote, Stream fromRemote, CancellationToken cancellationToken, Action? endRemote = null)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(toRemote);
        ArgumentNullException.ThrowIfNull(fromRemote);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = local.CopyToAsync(toRemote, linked.Token);
        var down = fromRemote.CopyToAsync(local, linked.Token);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        await linked.CancelAsync().ConfigureAwait(false);
        endRemote?.Invoke();
        local.Close(); // a read of the local side that ignores cancellation ends with it
        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // the other direction was stopped on purpose
        }
    }

    private async Task AcceptAsync(Func<Stream, CancellationToken, Task> tunnel)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient connection;
            try
            {
                connection = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = ServeAsync(connection, tunnel);
        }
    }

    private async Task ServeAsync(TcpClient connection, Func<Stream, CancellationToken, Task> tunnel)
    {
        using (connection)
        {
            try
            {
                await tunnel(connection.GetStream(), _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or System.Net.WebSockets.WebSocketException or k8s.Autorest.HttpOperationException)
            {
                // One connection failed (pod gone, tunnel dropped); the listener keeps serving new ones.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        await _accepting.ConfigureAwait(false);
        _stop.Dispose();
    }
}
