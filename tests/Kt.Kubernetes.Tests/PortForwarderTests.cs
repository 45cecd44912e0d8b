using System.Net;
using System.Net.Sockets;
using System.Text;
using Kt.Kubernetes.Api;

namespace Kt.Kubernetes.Tests;

/// <summary>
/// The port-forward listener and byte pump on real loopback sockets. The tunnel here dials a local echo server
/// where a cluster would open the API server's port-forward WebSocket (that part needs a cluster: tests/kind).
/// </summary>
public class PortForwarderTests
{
    [Fact]
    public async Task Each_connection_gets_its_own_tunnel_and_a_failed_tunnel_does_not_stop_the_listener()
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                var client = await echo.AcceptTcpClientAsync();
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        await client.GetStream().CopyToAsync(client.GetStream());
                    }
                });
            }
        });

        var tunnels = 0;
        await using var forward = PortForwarder.Start(0, async (local, token) =>
        {
            if (Interlocked.Increment(ref tunnels) == 1)
            {
                throw new IOException("the pod went away"); // the first tunnel drops at once
            }

            using var remote = new TcpClient();
            await remote.ConnectAsync(IPAddress.Loopback, echoPort, token);
            await PortForwarder.PumpAsync(local, remote.GetStream(), token);
        });

        using (var dropped = new TcpClient())
        {
            await dropped.ConnectAsync(IPAddress.Loopback, forward.LocalPort);
            var buffer = new byte[1];
            Assert.Equal(0, await dropped.GetStream().ReadAsync(buffer)); // closed by the forwarder, not hung
        }

        for (var i = 0; i < 3; i++)
        {
            using var connection = new TcpClient();
            await connection.ConnectAsync(IPAddress.Loopback, forward.LocalPort);
            var stream = connection.GetStream();
            var message = Encoding.ASCII.GetBytes($"ping {i}\n");
            await stream.WriteAsync(message);
            var answer = new byte[message.Length];
            await stream.ReadExactlyAsync(answer);
            Assert.Equal($"ping {i}\n", Encoding.ASCII.GetString(answer));
        }

        Assert.Equal(4, tunnels);
    }
}
