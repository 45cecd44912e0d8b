using System.Diagnostics;
using Kt.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Observability;

/// <summary>
/// The pod runtime's spans (<see cref="KtTelemetryNames.PodRuntime"/>). With no exporter listening (no OTLP endpoint
/// set) <see cref="ActivitySource.HasListeners"/> is false and every method here returns at once, allocating nothing:
/// the warm call path pays one volatile read.
/// </summary>
internal static class PodTracing
{
    public static readonly ActivitySource Source = new(KtTelemetryNames.PodRuntime);

    /// <summary>A server span for one request, child of the caller's W3C <c>traceparent</c> when it sent one.</summary>
    public static Activity? StartRequest(HttpContext context)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var headers = context.Request.Headers;
        ActivityContext.TryParse(headers[TraceParentHeader].ToString(), headers[TraceStateHeader].ToString(), isRemote: true, out var parent);
        var name = context.GetEndpoint() is RouteEndpoint route ? $"{context.Request.Method} {route.RoutePattern.RawText}" : context.Request.Method;
        var activity = Source.StartActivity(name, ActivityKind.Server, parent);
        activity?.SetTag("http.request.method", context.Request.Method);
        activity?.SetTag("url.path", context.Request.Path.Value);
        return activity;
    }

    /// <summary>
    /// The W3C <c>traceparent</c> of the runtime's current span, for the worker's call frame; null (nothing allocated)
    /// when tracing is off or the current activity is not the runtime's own (ASP.NET Core's request activity, which it
    /// creates whenever a logger is enabled, is not exported and must not become a parent).
    /// </summary>
    public static string? TraceParentForWorker() =>
        Activity.Current is { } current && ReferenceEquals(current.Source, Source) && current.IdFormat == ActivityIdFormat.W3C ? current.Id : null;

    /// <summary>Names the request's span after the call it carries (<c>call Demo.Calc.Add</c>) and tags it.</summary>
    public static void DescribeCall(CallKind kind, string type, string method, string requestId)
    {
        if (!Source.HasListeners() || Current() is not { } activity)
        {
            return;
        }

        activity.DisplayName = $"call {type}.{method}";
        activity.SetTag("rpc.system", "kt");
        activity.SetTag("rpc.service", type);
        activity.SetTag("rpc.method", method);
        activity.SetTag("kt.call.kind", kind.WireName());
        activity.SetTag("kt.request_id", requestId);
    }

    /// <summary>Marks the request's span failed (a user error or a refusal answered in the body).</summary>
    public static void CallFailed(string? message)
    {
        if (Source.HasListeners() && Current() is { } activity)
        {
            Fail(activity, message ?? "the call failed");
        }
    }

    private static Activity? Current() => Activity.Current is { } current && ReferenceEquals(current.Source, Source) ? current : null;

    /// <summary>A span for a part of a deploy on the pod (a setup step, the assembly of a version, a reload).</summary>
    public static Activity? StartInternal(string name) => Source.HasListeners() ? Source.StartActivity(name) : null;

    /// <summary>Marks a span failed with the error's message (the span is null when tracing is off).</summary>
    public static void Fail(Activity? activity, string message) => activity?.SetStatus(ActivityStatusCode.Error, message);

    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";
}
