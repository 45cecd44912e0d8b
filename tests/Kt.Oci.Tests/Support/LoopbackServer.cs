using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Kt.Oci.Tests;

/// <summary>A tiny HTTP server on 127.0.0.1 that answers with a test's handler and records each request line.</summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly HttpListener listener = new();
    private readonly Func<HttpListenerContext, Task> handler;
    private readonly Task loop;

    public LoopbackServer(Func<HttpListenerContext, Task> handler)
    {
        this.handler = handler;
        Port = Kt.Core.LoopbackPort.Free();
        listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        listener.Start();
        loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The registry name for references (loopback, so plain HTTP).</summary>
    public string Registry => $"127.0.0.1:{Port}";

    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task RespondAsync(HttpListenerContext context, int status, byte[]? body = null, string? contentType = null)
    {
        context.Response.StatusCode = status;
        if (contentType is not null)
        {
            context.Response.ContentType = contentType;
        }

        body ??= [];
        context.Response.ContentLength64 = body.Length;
        await context.Response.OutputStream.WriteAsync(body);
        context.Response.Close();
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        try
        {
            loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            Requests.Enqueue($"{context.Request.HttpMethod} {context.Request.Url!.PathAndQuery}");
            _ = Task.Run(async () =>
            {
                try
                {
                    await handler(context);
                }
                catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
                {
                }
            });
        }
    }

}
