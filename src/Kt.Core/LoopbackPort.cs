using System.Net;
using System.Net.Sockets;

namespace Kt.Core;

/// <summary>A TCP port on 127.0.0.1 that is free now: the kernel hands one out to a listener that closes at once.</summary>
public static class LoopbackPort
{
    /// <summary>For a listener that takes no port 0 (HttpListener, a pod runtime's <c>--port</c>, an app's <c>$PORT</c>).</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
