using System.Diagnostics;
using System.Reflection;
using Kt.Telemetry;

namespace Kt.PodRuntime.Client;

/// <summary>
/// The client's side of a trace: a client span per call (<see cref="KtTelemetryNames.Client"/>), its W3C
/// <c>traceparent</c> on the request so the pod's spans join the caller's trace, and, when the standard OTLP variables
/// name an endpoint, one export for this process (started with the first <see cref="PodClient"/>, flushed when the
/// process exits). With no endpoint set nothing of the OpenTelemetry SDK is loaded and the spans are never created.
/// </summary>
internal static class ClientTracing
{
    /// <summary>Set to <c>false</c> when the app runs an OpenTelemetry SDK of its own that adds Kt's sources: Kt then exports nothing itself.</summary>
    public const string ExportVariable = "KT_OTEL_CLIENT_EXPORT";

    private static readonly ActivitySource Source = new(KtTelemetryNames.Client);
    private static int _exportDecided;

    public static void EnsureExport()
    {
        if (Interlocked.Exchange(ref _exportDecided, 1) == 0 && !string.Equals(Environment.GetEnvironmentVariable(ExportVariable), "false", StringComparison.OrdinalIgnoreCase))
        {
            var export = OtlpExport.StartIfConfigured(new OtlpScope(
                Assembly.GetEntryAssembly()?.GetName().Name ?? "kt-client",
                Sources: [KtTelemetryNames.Client, KtTelemetryNames.Deploy],
                Attributes: new Dictionary<string, object> { ["kt.process"] = "client" }));
            if (export is not null)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => export.Dispose();
            }
        }
    }

    /// <summary>A client span for a call to <paramref name="path"/> (<c>fn/Type/Method</c>); null, allocating nothing, when no one listens.</summary>
    public static Activity? StartCall(string path)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var activity = Source.StartActivity("call " + CallName(path), ActivityKind.Client);
        activity?.SetTag("rpc.system", "kt");
        activity?.SetTag("url.path", path);
        return activity;
    }

    /// <summary>
    /// Puts the current span's context on the request. SocketsHttpHandler would do so by itself; a handler of the
    /// caller's (a port-forward tunnel) would not. A header already there is left as it is.
    /// </summary>
    public static void Propagate(HttpRequestMessage request)
    {
        if (Activity.Current is { IdFormat: ActivityIdFormat.W3C } current && !request.Headers.Contains("traceparent"))
        {
            request.Headers.TryAddWithoutValidation("traceparent", current.Id);
            if (current.TraceStateString is { Length: > 0 } state)
            {
                request.Headers.TryAddWithoutValidation("tracestate", state);
            }
        }
    }

    /// <summary>Marks the span failed; false, so that it serves as an exception filter that records and never catches.</summary>
    public static bool Failed(Activity? activity, Exception exception)
    {
        if (activity is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, exception.Message);
            activity.AddException(exception);
        }

        return false;
    }

    // fn/Demo.Calc/Add → Demo.Calc.Add; cls/Demo.Counter/Next → Demo.Counter.Next.
    private static string CallName(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 3 ? $"{Uri.UnescapeDataString(parts[^2])}.{Uri.UnescapeDataString(parts[^1])}" : path;
    }
}
