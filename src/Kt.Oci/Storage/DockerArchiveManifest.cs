using System.Text.Json.Serialization;

namespace Kt.Oci;

/// <summary>One entry of a docker-archive's <c>manifest.json</c> (what <c>docker save</c> writes and <c>docker load</c> reads).</summary>
public sealed record DockerArchiveManifest(
    [property: JsonPropertyName("Config")] string Config,
    [property: JsonPropertyName("RepoTags")] IReadOnlyList<string>? RepoTags,
    [property: JsonPropertyName("Layers")] IReadOnlyList<string> Layers);
