using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Protocol;

/// <summary>One file of a content manifest: a relative path with forward slashes, its size, Unix mode and content hash.</summary>
/// <param name="Path">Relative path, '/' separated, never rooted, never containing '..'.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Mode">Unix permission bits (e.g. 0644 = 420, 0755 = 493).</param>
/// <param name="Sha256">Lowercase hex sha256 of the content (no algorithm prefix).</param>
public sealed record ContentEntry(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("mode")] int Mode,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary>
/// The content-addressed description of a folder (publish output, a copied folder): what the pod runtime compares
/// to decide which blobs to receive, and what the image compiler hashes into step keys.
/// </summary>
public sealed record ContentManifest([property: JsonPropertyName("files")] IReadOnlyList<ContentEntry> Files)
{
    public static ContentManifest Empty { get; } = new([]);

    [JsonIgnore] public long TotalBytes => Files.Sum(f => f.Size);
}
