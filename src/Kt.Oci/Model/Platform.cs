using System.Text.Json.Serialization;

namespace Kt.Oci;

/// <summary>An image platform (os/architecture[/variant]); <see cref="Default"/> is linux/amd64.</summary>
public sealed record Platform(
    [property: JsonPropertyName("architecture")] string Architecture,
    [property: JsonPropertyName("os")] string Os)
{
    public static Platform Default { get; } = new("amd64", "linux");

    [JsonPropertyName("os.version")] public string? OsVersion { get; init; }

    [JsonPropertyName("variant")] public string? Variant { get; init; }

    /// <summary>Parses <c>os/arch[/variant]</c>, e.g. <c>linux/arm64/v8</c>.</summary>
    public static Platform Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrWhiteSpace))
        {
            throw new Kt.Core.KtException(OciErrors.NoSuchPlatform, $"Platform '{text}' is not of the form os/architecture[/variant].");
        }

        return new Platform(parts[1], parts[0]) { Variant = parts.Length == 3 ? parts[2] : null };
    }

    /// <summary>True when an index entry's platform satisfies this request (a missing requested variant matches any).</summary>
    public bool Matches(Platform? candidate) =>
        candidate is not null && candidate.Os == Os && candidate.Architecture == Architecture
        && (Variant is null || candidate.Variant == Variant);

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}
