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

    // Whether output lines go out (OutputLines holds the logger): Microsoft.Extensions.Logging is ASP.NET's framework,
    // which a worker running with a console app's frameworks does not have, so nothing here may name its types unless
    // an export runs (a field of type ILogger here made every such worker die before it greeted).
    private static bool _exportsLines;

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
        _exportsLines = export is not null && OutputLines.Start(export);
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
        if (_exportsLines)
        {
            OutputLines.Write(requestId, stream, line);
        }
    }

    /// <summary>The logger of call output lines, in a class of its own: loaded only by a worker that exports.</summary>
    private static class OutputLines
    {
        private static ILogger? _lines;

        public static bool Start(IOtlpExport export)
        {
            _lines = export.CreateLogger(KtTelemetryNames.CallOutputCategory);
            return _lines is not null;
        }

        public static void Write(string requestId, string stream, string line)
        {
            KeyValuePair<string, object?>[] state = [new("kt.stream", stream), new("kt.request_id", requestId), new("{OriginalFormat}", line)];
            _lines!.Log(stream == "stderr" ? LogLevel.Warning : LogLevel.Information, default, state, null, (_, _) => line);
        }
    }
}
