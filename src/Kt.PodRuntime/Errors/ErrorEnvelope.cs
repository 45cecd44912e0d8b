using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Errors;

/// <summary>
/// The error body every failing endpoint answers with (and the last NDJSON line of a failing stream). The client
/// library re-throws it as <c>RemoteException</c>.
/// </summary>
public sealed record ErrorEnvelope
{
    /// <summary>The remote exception's full type name, or <c>Kt.RuntimeError</c> for errors of the runtime itself.</summary>
    [JsonPropertyName("type")] public required string Type { get; init; }

    [JsonPropertyName("message")] public required string Message { get; init; }

    [JsonPropertyName("remoteStack")] public string? RemoteStack { get; init; }

    [JsonPropertyName("pod")] public string? Pod { get; init; }

    [JsonPropertyName("version")] public string? Version { get; init; }

    /// <summary>A KTxxxx code for errors of the runtime; null for user exceptions.</summary>
    [JsonPropertyName("code")] public string? Code { get; init; }

    [JsonPropertyName("status")] public int Status { get; init; }

    [JsonPropertyName("requestId")] public string? RequestId { get; init; }
}
