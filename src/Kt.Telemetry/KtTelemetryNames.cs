namespace Kt.Telemetry;

/// <summary>
/// The names Kt's spans and instruments are published under (an <see cref="System.Diagnostics.ActivitySource"/> or a
/// <see cref="System.Diagnostics.Metrics.Meter"/> each): what an app with an OpenTelemetry SDK of its own adds with
/// <c>AddSource</c> / <c>AddMeter</c>, and what a trace viewer shows as the instrumentation scope.
/// </summary>
public static class KtTelemetryNames
{
    /// <summary>The client's call spans (<c>Remote.Fn</c>, <c>Remote.Cls</c>, <c>kt call</c>): kind client.</summary>
    public const string Client = "Kt.Client";

    /// <summary>A deploy and its parts on the deploying side (setup, sync, activation per pod).</summary>
    public const string Deploy = "Kt.Deploy";

    /// <summary>The pod runtime's spans: a call as the server received it; setup steps, syncs and reloads.</summary>
    public const string PodRuntime = "Kt.PodRuntime";

    /// <summary>The worker's span of a call, the parent of the user's own spans.</summary>
    public const string Worker = "Kt.Worker";

    /// <summary>The pod runtime's counters (also rendered as Prometheus text on <c>/metrics</c>).</summary>
    public const string RuntimeMeter = "Kt.PodRuntime";

    /// <summary>The category of a call's output lines exported as OTLP logs.</summary>
    public const string CallOutputCategory = "Kt.CallOutput";
}
