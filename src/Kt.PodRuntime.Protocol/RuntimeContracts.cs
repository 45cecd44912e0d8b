using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Protocol;

/// <summary>
/// The error body every failing pod-runtime endpoint answers with (and the last NDJSON line of a failing stream):
/// <c>{type, message, remoteStack, pod, version, code, status, requestId}</c>. The client re-throws it as a RemoteException,
/// or, for a user exception whose type it can load and construct, as that type (<see cref="Assembly"/>,
/// <see cref="HResult"/>, <see cref="Data"/> and <see cref="Inner"/> describe the exception for that).
/// </summary>
public sealed record ErrorEnvelope
{
    /// <summary>The remote exception's full type name, or <c>Kt.RuntimeError</c> for errors of the runtime itself.</summary>
    [JsonPropertyName("type")] public string Type { get; init; } = "Kt.RuntimeError";

    [JsonPropertyName("message")] public string Message { get; init; } = string.Empty;

    [JsonPropertyName("remoteStack")] public string? RemoteStack { get; init; }

    [JsonPropertyName("pod")] public string? Pod { get; init; }

    [JsonPropertyName("version")] public string? Version { get; init; }

    /// <summary>A KTxxxx code for errors of the runtime; null for user exceptions.</summary>
    [JsonPropertyName("code")] public string? Code { get; init; }

    [JsonPropertyName("status")] public int Status { get; init; }

    [JsonPropertyName("requestId")] public string? RequestId { get; init; }

    /// <summary>The simple name of the assembly that defines <see cref="Type"/> (user exceptions; null otherwise).</summary>
    [JsonPropertyName("assembly")] public string? Assembly { get; init; }

    /// <summary>The exception's HResult (user exceptions).</summary>
    [JsonPropertyName("hresult")] public int? HResult { get; init; }

    /// <summary>The exception's <c>Data</c> entries, keys and values as text (user exceptions).</summary>
    [JsonPropertyName("data")] public IReadOnlyDictionary<string, string>? Data { get; init; }

    /// <summary>The inner exceptions (one, or an AggregateException's several), described the same way without pod fields.</summary>
    [JsonPropertyName("inner")] public IReadOnlyList<ErrorEnvelope>? Inner { get; init; }
}

/// <summary>One NDJSON line of a plan application: step-start, output, step-done, step-failed, done or error.</summary>
public sealed record PlanEvent
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

    [JsonPropertyName("error")] public ErrorEnvelope? Error { get; init; }
}
