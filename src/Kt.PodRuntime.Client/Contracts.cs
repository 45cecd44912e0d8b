using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Client;

/// <summary>The error envelope of the pod runtime: <c>{type, message, remoteStack, pod, version, code, status, requestId}</c>.</summary>
public sealed record RemoteError
{
    [JsonPropertyName("type")] public string Type { get; init; } = "Kt.RuntimeError";

    [JsonPropertyName("message")] public string Message { get; init; } = string.Empty;

    [JsonPropertyName("remoteStack")] public string? RemoteStack { get; init; }

    [JsonPropertyName("pod")] public string? Pod { get; init; }

    [JsonPropertyName("version")] public string? Version { get; init; }

    [JsonPropertyName("code")] public string? Code { get; init; }

    [JsonPropertyName("status")] public int Status { get; init; }

    [JsonPropertyName("requestId")] public string? RequestId { get; init; }
}

/// <summary>What a sync did: files in the version, blobs and bytes actually uploaded.</summary>
public sealed record SyncResult(string Version, int Files, long Bytes, int UploadedBlobs, long UploadedBytes, bool Reused);

/// <summary>One line of a call's output (stdout or stderr of user code), tagged with its request id.</summary>
public sealed record RemoteLogLine(
    [property: JsonPropertyName("requestId")] string? RequestId,
    [property: JsonPropertyName("stream")] string? Stream,
    [property: JsonPropertyName("line")] string? Line,
    [property: JsonPropertyName("end")] bool End = false);

/// <summary>One event of a plan application (step-start, output, step-done, step-failed, done, error).</summary>
public sealed record PlanProgress
{
    [JsonPropertyName("event")] public string Event { get; init; } = string.Empty;

    [JsonPropertyName("index")] public int? Index { get; init; }

    [JsonPropertyName("key")] public string? Key { get; init; }

    [JsonPropertyName("kind")] public string? Kind { get; init; }

    [JsonPropertyName("description")] public string? Description { get; init; }

    [JsonPropertyName("stream")] public string? Stream { get; init; }

    [JsonPropertyName("line")] public string? Line { get; init; }

    [JsonPropertyName("exitCode")] public int? ExitCode { get; init; }

    [JsonPropertyName("durationMs")] public long? DurationMs { get; init; }

    [JsonPropertyName("journalLength")] public int? JournalLength { get; init; }

    [JsonPropertyName("environmentChanged")] public bool? EnvironmentChanged { get; init; }

    [JsonPropertyName("error")] public RemoteError? Error { get; init; }
}

/// <summary>The outcome of a successful plan application.</summary>
public sealed record PlanResult(int StepsRun, int JournalLength, bool EnvironmentChanged);

/// <summary>Per-call options.</summary>
public sealed record CallOptions
{
    /// <summary>Sent as X-Request-ID (generated when null); logs and errors carry it.</summary>
    public string? RequestId { get; init; }

    /// <summary>Server-side deadline; on expiry the call is cancelled and fails with KT4037 (504).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>When set, the call streams and every output line of user code is handed here as it is produced.</summary>
    public Action<RemoteLogLine>? OnLog { get; init; }
}

internal static class ClientJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
