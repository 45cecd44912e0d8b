using Kt.PodRuntime.Errors;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Apps;

/// <summary>
/// Forwards <c>/http/{path}</c> to the app on loopback, streaming both bodies; the runtime's token is not forwarded.
/// While the app runs but does not accept connections yet (it is starting: a new code version restarted it) a request
/// waits for it, up to <see cref="StartHold"/>, instead of answering 502: an update is not an outage.
/// </summary>
public sealed class AppProxy
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Host", "Authorization",
    };

    private readonly HttpClient _client = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>How long a request waits for a running app to accept connections before 502 KT4041.</summary>
    public TimeSpan StartHold { get; init; } = TimeSpan.FromSeconds(30);

    /// <param name="context">The request to forward.</param>
    /// <param name="port">The app's port.</param>
    /// <param name="path">The path under <c>/http/</c>.</param>
    /// <param name="appRunning">Whether the app's process runs (a refused connection is then worth waiting out).</param>
    public async Task ForwardAsync(HttpContext context, int port, string path, Func<bool>? appRunning = null)
    {
        var target = new Uri($"http://127.0.0.1:{port}/{path}{context.Request.QueryString}");
        var held = System.Diagnostics.Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(10);
        while (true)
        {
            // A refused connection sent nothing, not even the body: the same request is built again and sent.
            var request = Build(context, target);
            try
            {
                var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted).ConfigureAwait(false);
                await CopyAsync(context, response).ConfigureAwait(false);
                request.Dispose();
                return;
            }
            catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.ConnectionError && appRunning?.Invoke() == true && held.Elapsed < StartHold)
            {
                await Task.Delay(pause, context.RequestAborted).ConfigureAwait(false);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 200));
            }
            catch (HttpRequestException ex)
            {
                request.Dispose();
                throw new RuntimeError(RuntimeErrorCodes.AppUnreachable, 502, $"The app on port {port} did not answer: {ex.Message}");
            }
        }
    }

    private static HttpRequestMessage Build(HttpContext context, Uri target)
    {
        var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), target);
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        return request;
    }

    private static async Task CopyAsync(HttpContext context, HttpResponseMessage response)
    {
        using (response)
        {
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
