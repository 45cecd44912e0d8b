using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kt.OtlpReceiver;

/// <summary>
/// An OTLP/HTTP (protobuf) receiver on loopback, as a collector or the Aspire dashboard listens: exporters pointed at
/// <see cref="Endpoint"/> with <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c> deliver here, and a test waits for what
/// it expects with <see cref="WaitAsync{T}"/> (woken by each delivery, not by polling a clock).
/// </summary>
public sealed class OtlpHttpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ReceivedSpan> _spans = [];
    private readonly List<ReceivedLog> _logs = [];
    private readonly List<ReceivedMetric> _metrics = [];
    private readonly SemaphoreSlim _delivered = new(0);

    private OtlpHttpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address to put in OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends <c>/v1/traces</c> …).</summary>
    public string Endpoint { get; private set; } = "";

    public static async Task<OtlpHttpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpHttpReceiver(app);
        app.UseRouting();
        app.MapPost("/v1/traces", context => receiver.ReceiveAsync(context, body => Add(receiver._spans, OtlpMessages.Spans(body))));
        app.MapPost("/v1/logs", context => receiver.ReceiveAsync(context, body => Add(receiver._logs, OtlpMessages.Logs(body))));
        app.MapPost("/v1/metrics", context => receiver.ReceiveAsync(context, body => Add(receiver._metrics, OtlpMessages.Metrics(body))));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Endpoint = address.TrimEnd('/');
        return receiver;
    }

    public IReadOnlyList<ReceivedSpan> Spans => Snapshot(_spans);

    public IReadOnlyList<ReceivedLog> Logs => Snapshot(_logs);

    public IReadOnlyList<ReceivedMetric> Metrics => Snapshot(_metrics);

    /// <summary>
    /// Waits until <paramref name="read"/> gives a value (non-null) from what has arrived, re-checking after every
    /// delivery; throws with what did arrive after <paramref name="timeout"/>.
    /// </summary>
    public async Task<T> WaitAsync<T>(Func<OtlpHttpReceiver, T?> read, TimeSpan timeout)
        where T : class
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            if (read(this) is { } value)
            {
                return value;
            }

            try
            {
                await _delivered.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException(
                    $"Not received within {timeout.TotalSeconds:0} s. Spans: {string.Join("; ", Spans.Select(s => $"{s.Scope}/{s.Name} {s.TraceId}/{s.SpanId}<-{s.ParentSpanId}"))}. Logs: {Logs.Count}. Metrics: {string.Join(", ", Metrics.Select(m => m.Name).Distinct())}");
            }
        }
    }

    private async Task ReceiveAsync(HttpContext context, Action<ByteString> decode)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        decode(ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length));
        // ExportXServiceResponse with no partial_success: an empty message.
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/x-protobuf";
        _delivered.Release();
    }

    private static void Add<T>(List<T> into, IEnumerable<T> items)
    {
        var decoded = items.ToList();
        lock (into)
        {
            into.AddRange(decoded);
        }
    }

    private static List<T> Snapshot<T>(List<T> list)
    {
        lock (list)
        {
            return [.. list];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _delivered.Dispose();
    }
}
