using Microsoft.AspNetCore.Http;

namespace Kt.FakeKubeApi;

public sealed partial class FakeApiServer
{
    /// <summary>
    /// <c>/api/v1/namespaces/{ns}/pods/{name}/portforward?ports=N</c>: 404 for a missing pod, 400 for a pod that is
    /// not running or a request that is not a WebSocket upgrade, else the v4 channel protocol to the container.
    /// </summary>
    private async Task PortForwardAsync(HttpContext http, ApiPath path)
    {
        IPodProcess? process;
        bool exists;
        lock (_gate)
        {
            exists = _objects.ContainsKey(("v1", "pods", path.Namespace, path.Name!));
            process = _pods.TryGetValue((path.Namespace, path.Name!), out var pod) ? pod.Process : null;
        }

        if (!exists)
        {
            await WriteAsync(http, ApiStatus.NotFound(path)).ConfigureAwait(false);
            return;
        }

        if (process is null)
        {
            await WriteAsync(http, ApiStatus.Failure(400, "BadRequest", $"pod {path.Name} is not running")).ConfigureAwait(false);
            return;
        }

        if (!http.WebSockets.IsWebSocketRequest || !http.WebSockets.WebSocketRequestedProtocols.Contains(PortForwardTunnel.Protocol))
        {
            await WriteAsync(http, ApiStatus.Failure(400, "BadRequest", $"port-forward needs a WebSocket upgrade with the {PortForwardTunnel.Protocol} subprotocol")).ConfigureAwait(false);
            return;
        }

        if (!int.TryParse(http.Request.Query["ports"].ToString().Split(',')[0], out var port))
        {
            await WriteAsync(http, ApiStatus.Failure(400, "BadRequest", "query parameter \"ports\" is required")).ConfigureAwait(false);
            return;
        }

        using var socket = await http.WebSockets.AcceptWebSocketAsync(PortForwardTunnel.Protocol).ConfigureAwait(false);
        var session = new WebSocketSession(socket);
        lock (_gate)
        {
            _forwards.Add(session);
        }

        try
        {
            await PortForwardTunnel.ServeAsync(socket, port, process.PortFor(port), path.Name!, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or System.Net.WebSockets.WebSocketException)
        {
            // the tunnel was dropped (by a test or at shutdown)
        }
        finally
        {
            lock (_gate)
            {
                _forwards.Remove(session);
            }
        }
    }
}
