using System.Diagnostics;
using Kt.PodRuntime.Ipc;
using Kt.Telemetry;
using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// The worker's side of a trace: the span of a call (child of the runtime's, whose <c>traceparent</c> the call frame
/// carries), current while user code runs so that the user's own <see cref="ActivitySource"/> spans nest in it, and the
/// call's output lines as log records of that span. Off (no exporter: no listener, no logger), each member returns at
/// once without allocating.
/// </summary>
internal static class WorkerTracing
{
    public static readonly ActivitySource Source = new(KtTelemetryNames.Worker);

    private static ILogger? _lines;

    /// <summary>Starts exporting when an OTLP endpoint is set: the worker's spans, every source user code traces with, and output lines.</summary>
    public static IOtlpExport? StartExport()
    {
        var export = OtlpExport.StartIfConfigured(new OtlpScope(
            Environment.GetEnvironmentVariable("KT_SERVICE") is { Length: > 0 } service ? service : "kt-worker",
            // "*": the worker is the user's process, and the spans of the user's own sources are what a trace is for.
            Sources: ["*"],
            Attributes: new Dictionary<string, object>
            {
                ["kt.pod"] = Environment.GetEnvironmentVariable("KT_POD_NAME") ?? "",
                ["kt.process"] = "worker",
            }));
        _lines = export?.CreateLogger(KtTelemetryNames.CallOutputCategory);
        return export;
    }

    public static Activity? StartCall(CallHeader header)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(header.TraceParent, null, isRemote: true, out var parent);
        var activity = Source.StartActivity($"run {header.Type}.{header.Method}", ActivityKind.Internal, parent);
        activity?.SetTag("kt.request_id", header.RequestId);
        activity?.SetTag("code.namespace", header.Type);
        activity?.SetTag("code.function", header.Method);
        return activity;
    }

    public static void Failed(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.AddException(exception);
    }

    /// <summary>One output line of a call as a log record, tied to the span current where it was written.</summary>
    public static void Line(string requestId, string stream, string line)
    {
        if (_lines is not { } lines)
        {
            return;
        }

        KeyValuePair<string, object?>[] state = [new("kt.stream", stream), new("kt.request_id", requestId), new("{OriginalFormat}", line)];
        lines.Log(stream == "stderr" ? LogLevel.Warning : LogLevel.Information, default, state, null, (_, _) => line);
    }
}
