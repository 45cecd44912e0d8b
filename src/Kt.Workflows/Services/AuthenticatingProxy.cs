using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Kt.Core;
using Kt.PodRuntime.Protocol;

namespace Kt.Workflows.Services;

/// <summary>
/// What <c>kt forward</c> serves by default: a local HTTP port on 127.0.0.1 that passes every request to one pod with
/// the service's bearer token added, so a browser or a plain <c>curl</c> reaches it without a header of its own. For a
/// pod that runs an app (<c>Remote.App</c>) every path leads to the app (the pod's <c>/http/…</c>), so the app is served
/// at the root as it is on its own; otherwise paths are the runtime's own (<c>/fn/…</c>, <c>/health</c>).
/// </summary>
public sealed class AuthenticatingProxy : IAsyncDisposable
{
    // Hop-by-hop headers (RFC 9110 7.6.1) and those the proxy sets itself: never passed along.
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Authorization",
    };

    private readonly HttpListener _listener;
    private readonly HttpClient _pod;

    private AuthenticatingProxy(HttpListener listener, HttpClient pod, int localPort, bool servesApp)
    {
        _listener = listener;
        _pod = pod;
        LocalPort = localPort;
        ServesApp = servesApp;
    }

    public int LocalPort { get; }

    /// <summary>Whether paths lead to the pod's app (it runs one) rather than to the runtime's routes.</summary>
    public bool ServesApp { get; }

    /// <summary>Asks the pod whether it runs an app, then listens on 127.0.0.1:<paramref name="localPort"/> (0: any free port).</summary>
    public static async Task<AuthenticatingProxy> StartAsync(int localPort, PodEndpoint pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var http = new HttpClient { BaseAddress = pod.Address, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", pod.Token);
        try
        {
            var servesApp = await RunsAppAsync(http, cancellationToken).ConfigureAwait(false);
            var port = localPort == 0 ? LoopbackPort.Free() : localPort;
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
            }
            catch (HttpListenerException e)
            {
                ((IDisposable)listener).Dispose();
                throw new KtException(ServiceErrors.PortInUse, $"cannot listen on 127.0.0.1:{port} ({e.Message}); pick another --port, or 0 for any free one");
            }

            return new AuthenticatingProxy(listener, http, port, servesApp);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>Serves until cancelled (then throws <see cref="OperationCanceledException"/>, as a Ctrl+C ends the verb).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var requests = new List<Task>();
        using (cancellationToken.Register(_listener.Stop))
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                requests.RemoveAll(r => r.IsCompleted);
                requests.Add(ForwardAsync(context, cancellationToken));
            }
        }

        await Task.WhenAll(requests).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task ForwardAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var (request, response) = (context.Request, context.Response);
        try
        {
            var path = request.RawUrl is { Length: > 0 } raw && raw[0] == '/' ? raw : "/";
            using var message = new HttpRequestMessage(new HttpMethod(request.HttpMethod), ServesApp ? "/http" + path : path);
            if (request.HasEntityBody)
            {
                message.Content = new StreamContent(request.InputStream);
                if (request.ContentLength64 >= 0)
                {
                    message.Content.Headers.ContentLength = request.ContentLength64;
                }
            }

            foreach (var name in request.Headers.AllKeys.OfType<string>().Where(n => !NotForwarded.Contains(n)))
            {
                var values = request.Headers.GetValues(name) ?? [];
                if (!message.Headers.TryAddWithoutValidation(name, values))
                {
                    message.Content?.Headers.TryAddWithoutValidation(name, values);
                }
            }

            using var answer = await _pod.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            response.StatusCode = (int)answer.StatusCode;
            foreach (var (name, values) in answer.Headers.Concat(answer.Content.Headers).Where(h => !NotForwarded.Contains(h.Key)))
            {
                foreach (var value in values)
                {
                    response.Headers.Add(name, value);
                }
            }

            if (answer.Content.Headers.ContentLength is { } length)
            {
                response.ContentLength64 = length;
            }
            else
            {
                response.SendChunked = true;
            }

            var body = await answer.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                await body.CopyToAsync(response.OutputStream, cancellationToken).ConfigureAwait(false);
            }

            response.Close();
        }
        catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested)
        {
            Answer(response, HttpStatusCode.BadGateway, $"kt forward: the pod did not answer ({e.Message})\n");
        }
        catch (Exception e) when (e is IOException or HttpListenerException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            response.Abort(); // the browser left, or Ctrl+C
        }
    }

    private static void Answer(HttpListenerResponse response, HttpStatusCode status, string text)
    {
        try
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            response.StatusCode = (int)status;
            response.ContentType = "text/plain; charset=utf-8";
            response.ContentLength64 = bytes.Length;
            response.OutputStream.Write(bytes);
            response.Close();
        }
        catch (Exception e) when (e is IOException or HttpListenerException or InvalidOperationException or ObjectDisposedException)
        {
            response.Abort();
        }
    }

    // GET /app says whether the pod runs one; a pod that does not know the route (or answers otherwise) runs none.
    private static async Task<bool> RunsAppAsync(HttpClient pod, CancellationToken cancellationToken)
    {
        using var answer = await pod.GetAsync(PodRoutes.Relative(PodRoutes.App), cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccessStatusCode)
        {
            return false;
        }

        var status = JsonSerializer.Deserialize(await answer.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false), PodJsonContext.Default.AppStatus);
        return status?.Configured == true;
    }


    public ValueTask DisposeAsync()
    {
        ((IDisposable)_listener).Dispose();
        _pod.Dispose();
        return ValueTask.CompletedTask;
    }
}
