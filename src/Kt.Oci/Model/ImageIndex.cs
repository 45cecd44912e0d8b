using System.Text.Json.Serialization;
using Kt.Core;

namespace Kt.Oci;

/// <summary>An image index (OCI) or manifest list (Docker): one manifest per platform.</summary>
public sealed record ImageIndex
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;

    [JsonPropertyName("mediaType")] public string? MediaType { get; init; } = MediaTypes.OciIndex;

    [JsonPropertyName("manifests")] public IReadOnlyList<Descriptor> Manifests { get; init; } = [];

    [JsonPropertyName("annotations")] public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Picks the manifest for <paramref name="platform"/>; none → KT2004 listing what the index offers.</summary>
    public Descriptor SelectPlatform(Platform platform, string what)
    {
        var match = Manifests.FirstOrDefault(m => MediaTypes.IsManifest(m.MediaType) && platform.Matches(m.Platform));
        if (match is not null)
        {
            return match;
        }

        var offered = string.Join(", ", Manifests.Where(m => m.Platform is not null).Select(m => m.Platform!.ToString()));
        throw new KtException(OciErrors.NoSuchPlatform, $"{what} has no manifest for platform {platform}; it offers: {(offered.Length == 0 ? "none" : offered)}.");
    }
}
