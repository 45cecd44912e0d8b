using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Kt.FakeKubeApi;

/// <summary>
/// The pod port-forward WebSocket as the kubelet serves it through the API server (<c>v4.channel.k8s.io</c>, one
/// requested port): binary messages whose first byte is the channel (0 data, 1 error for the first port); the first
/// message of each channel from the server carries the port as two little-endian bytes; the client sends
/// <c>[0, data...]</c> without a prefix. A failure to reach the port is written as text on the error channel, then
/// the socket closes; when the pod side ends, the socket closes.
/// </summary>
internal static class PortForwardTunnel
{
    public const string Protocol = "v4.channel.k8s.io";

    public static async Task ServeAsync(WebSocket socket, int port, int loopbackPort, string podName, CancellationToken cancellationToken)
    {
        var prefix = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(prefix, (ushort)port);
        await SendAsync(socket, 0, prefix, cancellationToken).ConfigureAwait(false);
        await SendAsync(socket, 1, prefix, cancellationToken).ConfigureAwait(false);

        using var pod = new TcpClient();
        try
        {
            await pod.ConnectAsync(System.Net.IPAddress.Loopback, loopbackPort, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            var message = $"error forwarding port {port} to pod {podName}: failed to connect to localhost:{port} inside namespace: {e.Message}";
            await SendAsync(socket, 1, Encoding.UTF8.GetBytes(message), cancellationToken).ConfigureAwait(false);
            await CloseAsync(socket).ConfigureAwait(false);
            return;
        }

        var stream = pod.GetStream();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var up = ClientToPodAsync(socket, stream, stop.Token);
        var down = PodToClientAsync(stream, socket, stop.Token);
        await Task.WhenAny(up, down).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await CloseAsync(socket).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(up, down).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or WebSocketException or ObjectDisposedException)
        {
            // the other direction was stopped on purpose
        }
    }

    private static async Task ClientToPodAsync(WebSocket socket, NetworkStream pod, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var first = true;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            // The channel byte leads each message; continuation frames of one message carry data only.
            var offset = first ? 1 : 0;
            var channel = first && result.Count > 0 ? buffer[0] : (byte)0;
            if (channel == 0 && result.Count > offset)
            {
                await pod.WriteAsync(buffer.AsMemory(offset, result.Count - offset), cancellationToken).ConfigureAwait(false);
            }

            first = result.EndOfMessage;
        }
    }

    private static async Task PodToClientAsync(NetworkStream pod, WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024 + 1];
        while (true)
        {
            var read = await pod.ReadAsync(buffer.AsMemory(1), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return;
            }

            buffer[0] = 0;
            await socket.SendAsync(buffer.AsMemory(0, read + 1), WebSocketMessageType.Binary, true, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Task SendAsync(WebSocket socket, byte channel, byte[] data, CancellationToken cancellationToken) =>
        socket.SendAsync(new ArraySegment<byte>([channel, .. data]), WebSocketMessageType.Binary, true, cancellationToken);

    private static async Task CloseAsync(WebSocket socket)
    {
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
            // the client went first
        }
    }
}
