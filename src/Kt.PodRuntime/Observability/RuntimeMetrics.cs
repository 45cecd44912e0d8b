using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using Kt.Telemetry;

namespace Kt.PodRuntime.Observability;

/// <summary>
/// The runtime's counters as <see cref="System.Diagnostics.Metrics"/> instruments of the meter
/// <see cref="KtTelemetryNames.RuntimeMeter"/> (what an OTLP exporter sends when an endpoint is set), rendered as
/// Prometheus text on GET /metrics from the very same instruments' values (<see cref="Render"/>).
/// </summary>
/// <remarks>
/// The instruments are observable ones over plain atomics: a call increments a <see cref="Counter"/> as it always did,
/// and a reader (the exporter's collection, a scrape of /metrics) observes the value. Nothing per call depends on
/// whether anyone listens; the call-duration histogram records only while a listener has enabled it.
/// </remarks>
public sealed class RuntimeMetrics : IDisposable
{
    private long _activeCalls;
    private long _durationTicks;
    private long _lastActivityUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private readonly Meter _meter = new(KtTelemetryNames.RuntimeMeter);
    private readonly Histogram<double> _callDuration;
    private readonly Instrument[] _instruments;

    public RuntimeMetrics()
    {
        _instruments =
        [
            new("kt_requests_total", "kt.requests", "counter", "HTTP requests received.", "{request}", () => Requests.Value),
            new("kt_calls_total", "kt.calls", "counter", "Calls answered (fn, cls).", "{call}", () => Calls.Value),
            new("kt_call_errors_total", "kt.call.errors", "counter", "Calls answered with an error.", "{call}", () => CallErrors.Value),
            new("kt_call_duration_seconds_sum", "kt.call.time", "counter", "Total time spent in calls.", "s", () => TimeSpan.FromTicks(Interlocked.Read(ref _durationTicks)).TotalSeconds),
            new("kt_active_calls", "kt.active_calls", "gauge", "Calls in progress.", "{call}", () => ActiveCalls),
            new("kt_last_activity_timestamp_seconds", "kt.last_activity", "gauge", "Unix time of the last call or sync.", "s", () => Interlocked.Read(ref _lastActivityUnixMs) / 1000.0),
            new("kt_reloads_total", "kt.reloads", "counter", "Code versions activated in a worker.", "{reload}", () => Reloads.Value),
            new("kt_sync_bytes_total", "kt.sync.bytes", "counter", "Blob bytes received by code sync.", "By", () => SyncBytes.Value),
            new("kt_worker_starts_total", "kt.worker.starts", "counter", "Worker processes started.", "{process}", () => WorkerStarts.Value),
            new("kt_worker_crashes_total", "kt.worker.crashes", "counter", "Worker processes that ended unexpectedly.", "{process}", () => WorkerCrashes.Value),
            new("kt_unloads_verified_total", "kt.unloads.verified", "counter", "Old code generations verified unloaded.", "{generation}", () => UnloadsVerified.Value),
            new("kt_unload_failures_total", "kt.unloads.failed", "counter", "Old code generations that stayed alive (worker replaced).", "{generation}", () => UnloadFailures.Value),
            new("kt_worker_recycles_total", "kt.worker.recycles", "counter", "Workers replaced because a call ignored its cancellation past its timeout.", "{process}", () => WorkerRecycles.Value),
        ];
        foreach (var instrument in _instruments)
        {
            var read = instrument.Read;
            if (instrument.Type == "counter")
            {
                _meter.CreateObservableCounter(instrument.Name, () => read(), instrument.Unit, instrument.Help);
            }
            else
            {
                _meter.CreateObservableGauge(instrument.Name, () => read(), instrument.Unit, instrument.Help);
            }
        }

        _callDuration = _meter.CreateHistogram<double>("kt.call.duration", "s", "How long calls took, as the runtime saw them.");
    }

    public Counter Requests { get; } = new();
    public Counter Calls { get; } = new();
    public Counter CallErrors { get; } = new();
    public Counter Reloads { get; } = new();
    public Counter SyncBytes { get; } = new();
    public Counter WorkerStarts { get; } = new();
    public Counter WorkerCrashes { get; } = new();
    public Counter UnloadsVerified { get; } = new();
    public Counter UnloadFailures { get; } = new();
    public Counter WorkerRecycles { get; } = new();

    public long ActiveCalls => Interlocked.Read(ref _activeCalls);

    public void CallStarted()
    {
        Interlocked.Increment(ref _activeCalls);
        Touch();
    }

    public void CallEnded(TimeSpan duration, bool failed)
    {
        Interlocked.Decrement(ref _activeCalls);
        Calls.Increment();
        if (failed)
        {
            CallErrors.Increment();
        }

        Interlocked.Add(ref _durationTicks, duration.Ticks);
        if (_callDuration.Enabled)
        {
            _callDuration.Record(duration.TotalSeconds);
        }

        Touch();
    }

    /// <summary>Marks activity (for inactivity-based scale-down decisions made outside the pod).</summary>
    public void Touch() => Interlocked.Exchange(ref _lastActivityUnixMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    /// <summary>Every instrument's value as Prometheus text (the names Prometheus users know: <c>kt_calls_total</c>, …).</summary>
    public string Render()
    {
        var text = new StringBuilder();
        foreach (var instrument in _instruments)
        {
            text.Append("# HELP ").Append(instrument.PrometheusName).Append(' ').Append(instrument.Help).Append('\n');
            text.Append("# TYPE ").Append(instrument.PrometheusName).Append(' ').Append(instrument.Type).Append('\n');
            text.Append(instrument.PrometheusName).Append(' ').Append(instrument.Read().ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        }

        return text.ToString();
    }

    public void Dispose() => _meter.Dispose();

    /// <summary>One instrument: its OpenTelemetry name and unit, its Prometheus name, and where its value is read.</summary>
    private sealed record Instrument(string PrometheusName, string Name, string Type, string Help, string Unit, Func<double> Read);
}
