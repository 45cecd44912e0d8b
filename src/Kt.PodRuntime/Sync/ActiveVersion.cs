using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Sync;

/// <summary>The pointer file <c>&lt;root&gt;/active.json</c>: which complete version tree is live.</summary>
public sealed record ActiveVersion(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("folder")] string Folder,
    [property: JsonPropertyName("manifestDigest")] string ManifestDigest,
    [property: JsonPropertyName("files")] int Files,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("activatedAt")] DateTimeOffset ActivatedAt);

/// <summary>The answer of POST /sync/activate.</summary>
public sealed record ActivateResult(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("files")] int Files,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("reused")] bool Reused);

/// <summary>Frozen mode: the app folder baked into the image (absolute) and the version id it reports.</summary>
public sealed record FrozenApp(string Directory, string Version);
