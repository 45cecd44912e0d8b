namespace Kt.PodRuntime.Supervision;

/// <summary>A worker the kernel killed for memory: when, which process, its cgroup's limit and peak (bytes; null when unknown).</summary>
public sealed record OomKill(DateTimeOffset At, int ProcessId, long? LimitBytes, long? PeakBytes);
