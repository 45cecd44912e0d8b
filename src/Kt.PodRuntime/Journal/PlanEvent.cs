using System.Text.Json.Serialization;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Journal;

/// <summary>One NDJSON line of a plan application: step-start, output, step-done, done or error.</summary>
public sealed record PlanEvent
{
    [JsonPropertyName("event")] public required string Event { get; init; }

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
