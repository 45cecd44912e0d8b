using System.Text.Json.Serialization;
using Kt.Core;

namespace Kt.Oci;

/// <summary>An OCI content descriptor: what a blob is, its digest and size (and for index entries, its platform).</summary>
public sealed record Descriptor(
    [property: JsonPropertyName("mediaType")] string MediaType,
    [property: JsonPropertyName("digest")] Digest Digest,
    [property: JsonPropertyName("size")] long Size)
{
    [JsonPropertyName("urls")] public IReadOnlyList<string>? Urls { get; init; }

    [JsonPropertyName("annotations")] public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    [JsonPropertyName("platform")] public Platform? Platform { get; init; }
}
