using System.Text.Json.Serialization;

namespace Kt.Oci;

/// <summary>An image manifest (OCI, or Docker schema 2 which has the same shape).</summary>
public sealed record ImageManifest
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;

    [JsonPropertyName("mediaType")] public string? MediaType { get; init; } = MediaTypes.OciManifest;

    [JsonPropertyName("config")] public required Descriptor Config { get; init; }

    [JsonPropertyName("layers")] public IReadOnlyList<Descriptor> Layers { get; init; } = [];

    [JsonPropertyName("annotations")] public IReadOnlyDictionary<string, string>? Annotations { get; init; }
}
