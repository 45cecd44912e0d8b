using System.Globalization;
using System.Text;

namespace Kt.PodRuntime.Observability;

/// <summary>The runtime's counters, rendered as Prometheus text on GET /metrics.</summary>
public sealed class RuntimeMetrics
{
    private long _activeCalls;
    private long _durationTicks;
    private long _lastActivityUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

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
        Touch();
    }

    /// <summary>Marks activity (for inactivity-based scale-down decisions made outside the pod).</summary>
    public void Touch() => Interlocked.Exchange(ref _lastActivityUnixMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    public string Render()
    {
        var text = new StringBuilder();
        Metric(text, "kt_requests_total", "counter", "HTTP requests received.", Requests.Value);
        Metric(text, "kt_calls_total", "counter", "Calls answered (fn, cls).", Calls.Value);
        Metric(text, "kt_call_errors_total", "counter", "Calls answered with an error.", CallErrors.Value);
        Metric(text, "kt_call_duration_seconds_sum", "counter", "Total time spent in calls.", TimeSpan.FromTicks(Interlocked.Read(ref _durationTicks)).TotalSeconds);
        Metric(text, "kt_active_calls", "gauge", "Calls in progress.", ActiveCalls);
        Metric(text, "kt_last_activity_timestamp_seconds", "gauge", "Unix time of the last call or sync.", Interlocked.Read(ref _lastActivityUnixMs) / 1000.0);
        Metric(text, "kt_reloads_total", "counter", "Code versions activated in a worker.", Reloads.Value);
        Metric(text, "kt_sync_bytes_total", "counter", "Blob bytes received by code sync.", SyncBytes.Value);
        Metric(text, "kt_worker_starts_total", "counter", "Worker processes started.", WorkerStarts.Value);
        Metric(text, "kt_worker_crashes_total", "counter", "Worker processes that ended unexpectedly.", WorkerCrashes.Value);
        Metric(text, "kt_unloads_verified_total", "counter", "Old code generations verified unloaded.", UnloadsVerified.Value);
        Metric(text, "kt_unload_failures_total", "counter", "Old code generations that stayed alive (worker replaced).", UnloadFailures.Value);
        Metric(text, "kt_worker_recycles_total", "counter", "Workers replaced because a call ignored its cancellation past its timeout.", WorkerRecycles.Value);
        return text.ToString();
    }

    private static void Metric(StringBuilder text, string name, string type, string help, double value)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        text.Append(name).Append(' ').Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
    }
}
