using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Protocol;

/// <summary>The answer of <c>GET /health</c>.</summary>
public sealed record HealthResponse(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("service")] string Service,
    [property: JsonPropertyName("pod")] string Pod);

/// <summary>The answer of <c>GET /ready</c>: 200 when ready (with the version asked for), else 503.</summary>
public sealed record ReadyResponse(
    [property: JsonPropertyName("ready")] bool Ready,
    [property: JsonPropertyName("version")] string? Version,
    [property: JsonPropertyName("setup")] string Setup,
    [property: JsonPropertyName("oomKill")]
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] OomKillReport? OomKill = null);

/// <summary>The last worker the kernel killed for memory: when, its cgroup's limit and peak in bytes (null when unknown).</summary>
public sealed record OomKillReport(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("limitBytes")] long? LimitBytes,
    [property: JsonPropertyName("peakBytes")] long? PeakBytes)
{
    /// <summary>One line for people (<c>kt describe</c>).</summary>
    public override string ToString() =>
        $"worker killed for memory (OOM, KT4044) at {At.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z: limit {MiB(LimitBytes)}, peak {MiB(PeakBytes)}";

    private static string MiB(long? bytes) => bytes is { } b ? $"{(b / 1048576.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} MiB" : "unknown";
}

/// <summary>
/// The answer of <c>GET /journal</c>: the recorded steps, the outcome of the last plan (<see cref="SetupStates"/>) and
/// the pod's base (environment, user, working directory the runtime started with), which a live plan resolves
/// <c>$VAR</c> against as a freeze resolves against the base image's config (null from an older runtime).
/// </summary>
public sealed record JournalResponse(
    [property: JsonPropertyName("entries")] IReadOnlyList<JournalEntry> Entries,
    [property: JsonPropertyName("setup")] string Setup,
    [property: JsonPropertyName("base")] PodBase? Base = null)
{
    /// <summary>The last plan failed: only a new plan (even an empty one) clears it.</summary>
    [JsonIgnore] public bool SetupFailed => Setup == SetupStates.Failed;
}

/// <summary>The body of a call and of <c>PUT /cls/{type}</c>: positional and named arguments.</summary>
public sealed record CallRequest(
    [property: JsonPropertyName("args")] IReadOnlyList<JsonElement> Args,
    [property: JsonPropertyName("kwargs")] IReadOnlyDictionary<string, JsonElement> Kwargs);

/// <summary>
/// One line of a streamed call (<c>Accept: application/x-ndjson</c>): <c>log</c> lines while it runs, then one
/// <c>result</c> (with <see cref="Value"/>) or <c>error</c> (with <see cref="Error"/>). A stream result
/// (<see cref="PodRoutes.StreamHeader"/>) puts <c>stream</c> and its <c>item</c> lines (each with <see cref="Value"/>)
/// before that end, log lines among them in the order they were written.
/// </summary>
public sealed record CallStreamLine
{
    [JsonPropertyName("type")] public string Type { get; init; } = string.Empty;

    [JsonPropertyName("stream")] public string? Stream { get; init; }

    [JsonPropertyName("line")] public string? Line { get; init; }

    [JsonPropertyName("version")] public string? Version { get; init; }

    [JsonPropertyName("value")] public JsonElement? Value { get; init; }

    [JsonPropertyName("error")] public ErrorEnvelope? Error { get; init; }
}

/// <summary>One line of <c>GET /logs</c>: a retained output line of a call, or a request's end marker.</summary>
public sealed record LogLine(
    [property: JsonPropertyName("seq")] long Sequence,
    [property: JsonPropertyName("requestId")] string? RequestId,
    [property: JsonPropertyName("stream")] string? Stream,
    [property: JsonPropertyName("line")] string? Line,
    [property: JsonPropertyName("end")] bool End);

/// <summary>The body of <c>PUT /app</c>: a shell command run in the code folder, listening on <see cref="Port"/>.</summary>
public sealed record AppSettings(
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("port")] int Port);

/// <summary>The answer of <c>GET /app</c>.</summary>
public sealed record AppStatus(
    [property: JsonPropertyName("configured")] bool Configured,
    [property: JsonPropertyName("running")] bool Running,
    [property: JsonPropertyName("port")] int? Port);
