using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Protocol;

/// <summary>A blob by hash and size (what <c>POST /sync/missing</c> asks about when there is no tree to describe).</summary>
public sealed record BlobRef(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("size")] long Size);

/// <summary>
/// The body of <c>POST /sync/missing</c>: either a code manifest (<c>files</c>, paths checked too) or bare blobs
/// (<c>blobs</c>, e.g. the files of setup steps); exactly one of the two.
/// </summary>
public sealed record MissingRequest
{
    [JsonPropertyName("files")] public IReadOnlyList<ContentEntry>? Files { get; init; }

    [JsonPropertyName("blobs")] public IReadOnlyList<BlobRef>? Blobs { get; init; }
}

/// <summary>The blobs the pod lacks (damaged ones count as missing), and their bytes.</summary>
public sealed record MissingResponse(
    [property: JsonPropertyName("missing")] IReadOnlyList<string> Missing,
    [property: JsonPropertyName("bytes")] long Bytes);

/// <summary>The answer of <c>PUT /sync/blobs/{sha256}</c>: 201 stored, 200 already present.</summary>
public sealed record BlobStored(
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("stored")] bool Stored);

/// <summary>
/// The body of <c>POST /sync/activate</c> and <c>POST /sync/deploy</c>: make <see cref="Manifest"/> the active code as
/// <see cref="Version"/>; also the answer of <c>GET /sync/manifest</c> (what a new peer replays).
/// </summary>
public sealed record ActivateRequest(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("manifest")] ContentManifest Manifest)
{
    /// <summary>
    /// <c>/sync/deploy</c>: the <see cref="JournalDigest"/> the client planned the setup against; a pod whose journal
    /// differs refuses (KT4055) and changes nothing. Null: no such check.
    /// </summary>
    [JsonPropertyName("journal")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Journal { get; init; }
}

/// <summary>
/// The body of <c>POST /sync/deploy/changes</c>: the manifest of <see cref="Version"/> given as the pod's active
/// manifest (<see cref="Base"/>, its <see cref="ManifestDigest"/>) with <see cref="Changed"/> entries added or replaced
/// and <see cref="Removed"/> paths taken out. A pod whose active manifest is not the base refuses it (KT4054) and the
/// client sends the whole manifest instead. Answered as <c>/sync/deploy</c>.
/// </summary>
public sealed record ManifestChanges(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("base")] string Base,
    [property: JsonPropertyName("changed")] IReadOnlyList<ContentEntry> Changed,
    [property: JsonPropertyName("removed")] IReadOnlyList<string> Removed)
{
    /// <summary>As <see cref="ActivateRequest.Journal"/>.</summary>
    [JsonPropertyName("journal")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Journal { get; init; }

    /// <summary>What turns <paramref name="before"/> into <paramref name="after"/> (both in path order, as builders make them).</summary>
    public static ManifestChanges Between(ContentManifest before, ContentManifest after, string version)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var old = before.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        var changed = after.Files.Where(f => !old.TryGetValue(f.Path, out var was) || was != f).ToList();
        var kept = after.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var removed = before.Files.Where(f => !kept.Contains(f.Path)).Select(f => f.Path).ToList();
        return new ManifestChanges(version, ManifestDigest.Compute(before), changed, removed);
    }

    /// <summary>The whole manifest these changes make of <paramref name="base"/> (in path order).</summary>
    public ContentManifest ApplyTo(ContentManifest @base)
    {
        ArgumentNullException.ThrowIfNull(@base);
        var files = @base.Files.ToDictionary(f => f.Path, StringComparer.Ordinal);
        foreach (var path in Removed)
        {
            files.Remove(path);
        }

        foreach (var entry in Changed)
        {
            files[entry.Path] = entry;
        }

        return new ContentManifest(files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToArray());
    }
}

/// <summary>The answer of <c>POST /sync/activate</c> (and of a <c>/sync/deploy</c> that activated).</summary>
public sealed record ActivateResult(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("files")] int Files,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("reused")] bool Reused);

/// <summary>
/// The answer of <c>POST /sync/deploy</c> (body: <see cref="ActivateRequest"/>): <see cref="Activated"/> when every
/// blob was there and the version is live, else the <see cref="Missing"/> blobs to upload before asking again.
/// <see cref="Ready"/> says the pod was ready with that version when it answered (what <c>/ready?version=</c> says).
/// </summary>
public sealed record DeployResponse(
    [property: JsonPropertyName("activated")] ActivateResult? Activated,
    [property: JsonPropertyName("missing")] IReadOnlyList<string> Missing,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("ready")] bool Ready = false);

/// <summary>
/// Which complete version tree is live: the answer of <c>GET /sync/active</c> (and the pod's pointer file
/// <c>&lt;root&gt;/active.json</c>).
/// </summary>
public sealed record ActiveVersion(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("folder")] string Folder,
    [property: JsonPropertyName("manifestDigest")] string ManifestDigest,
    [property: JsonPropertyName("files")] int Files,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("activatedAt")] DateTimeOffset ActivatedAt);
