using System.Text.Json;
using Kt.Core;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Hosting;

namespace Kt.PodRuntime.Sync;

/// <summary>
/// Complete version trees under <c>&lt;root&gt;/versions</c>, assembled in <c>&lt;root&gt;/staging</c> as copies of
/// verified blobs, moved into place with one rename, and made live by rewriting <c>active.json</c> atomically (and
/// swapping the <c>current</c> symlink). An interrupted activation leaves only a staging folder, an interrupted prune
/// only a trash folder, never a mixed or half-deleted tree.
/// </summary>
public sealed class VersionStore
{
    private readonly string _root;
    private readonly string _versions;
    private readonly string _staging;
    private readonly string _pointer;
    private readonly string _trash;
    private readonly BlobStore _blobs;
    private readonly int _keep;
    private readonly TimeSpan _blobGrace;
    private readonly Func<IReadOnlySet<string>>? _pinnedBlobs;
    private readonly SemaphoreSlim _gate = new(1, 1);

    // The active manifest as last written or read, and the blob set of each kept version's manifest: parsed once, not at
    // every activation and prune (a 10,000-file manifest is a megabyte of JSON). The files stay the durable record.
    private CachedManifest? _activeManifest;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, IReadOnlySet<string>> _blobsOfVersion = new(StringComparer.Ordinal);

    /// <param name="frozen">A frozen pod serves this folder baked into its image, forever; activation is refused.</param>
    /// <param name="blobGrace">Blobs no tree links to are deleted after each activation once they are this old.</param>
    /// <param name="pinnedBlobs">Blobs that must stay whatever links them (read at each collection).</param>
    public VersionStore(string root, BlobStore blobs, int keepVersions, FrozenApp? frozen = null, TimeSpan? blobGrace = null, Func<IReadOnlySet<string>>? pinnedBlobs = null)
    {
        _pinnedBlobs = pinnedBlobs;
        _blobGrace = blobGrace ?? TimeSpan.FromHours(1);
        _root = root;
        _blobs = blobs;
        _keep = Math.Max(1, keepVersions);
        _versions = Path.Combine(root, "versions");
        _staging = Path.Combine(root, "staging");
        _pointer = Path.Combine(root, "active.json");
        _trash = Path.Combine(root, "trash");
        Directory.CreateDirectory(_versions);
        foreach (var leftovers in new[] { _staging, _trash })
        {
            if (Directory.Exists(leftovers))
            {
                Directory.Delete(leftovers, recursive: true); // of activations and prunes a kill interrupted
            }

            Directory.CreateDirectory(leftovers);
        }

        Frozen = frozen;
        Active = frozen is null ? ReadPointer() : FrozenVersion(frozen);
    }

    /// <summary>
    /// Before the first worker starts: an active tree that no longer matches its manifest (user code wrote into it) is
    /// rebuilt from its blobs, so a restarted pod serves the version that was synced. Without its blobs it is served as is.
    /// </summary>
    public async Task RepairActiveAsync(CancellationToken cancellationToken)
    {
        if (Active is not { } active || Frozen is not null)
        {
            return;
        }

        if (ActiveManifest() is { } manifest && !VersionTree.IsIntact(DirectoryOf(active), manifest)
            && (await _blobs.MissingAsync(manifest.Files, cancellationToken).ConfigureAwait(false)).Count == 0)
        {
            await BuildAsync(DirectoryOf(active), manifest, cancellationToken).ConfigureAwait(false);
        }

        // Also after a stop between an activation and its worker switch, when the link still named the previous version.
        SwapCurrentLink(active.Folder);
    }

    /// <summary>The manifest of the active version (what a new pod syncs from this one), or null when there is none.</summary>
    public ContentManifest? ActiveManifest()
    {
        if (Active is not { } active || Frozen is not null)
        {
            return null;
        }

        if (_activeManifest is { } cached && cached.Folder == active.Folder)
        {
            return cached.Manifest;
        }

        if (!File.Exists(ManifestPath(active.Folder)) || JsonSerializer.Deserialize<ContentManifest>(File.ReadAllBytes(ManifestPath(active.Folder))) is not { } manifest)
        {
            return null;
        }

        _activeManifest = new CachedManifest(active.Folder, manifest);
        return manifest;
    }

    /// <summary>
    /// The whole manifest <paramref name="changes"/> make of the active one, its entries checked (and the whole structure
    /// when a path is new). KT4054 when the active manifest is not their base: the client then sends the whole manifest.
    /// </summary>
    public ContentManifest ApplyChanges(ManifestChanges changes, long maxBlobBytes)
    {
        RefuseWhenFrozen();
        if (changes.Changed is null || changes.Removed is null || string.IsNullOrEmpty(changes.Base))
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "Changes need 'base', 'changed' and 'removed'.");
        }

        if (Active is not { } active || ActiveManifest() is not { } current || active.ManifestDigest != changes.Base)
        {
            throw new RuntimeError(RuntimeErrorCodes.ChangesBaseMismatch, 409,
                $"The changes are against manifest {changes.Base[..Math.Min(12, changes.Base.Length)]}, but this pod serves {(Active is { } a ? a.ManifestDigest[..12] : "no version")}; send the whole manifest.");
        }

        var paths = current.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var changedPaths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in changes.Changed)
        {
            PathRules.ValidateEntry(entry, maxBlobBytes);
            if (!changedPaths.Add(entry.Path))
            {
                throw new RuntimeError(RuntimeErrorCodes.DuplicatePath, 400, $"'{entry.Path}' is listed twice.");
            }
        }

        foreach (var path in changes.Removed)
        {
            PathRules.ValidatePath(path);
        }

        var manifest = changes.ApplyTo(current);
        if (changedPaths.Any(p => !paths.Contains(p)))
        {
            PathRules.Validate(manifest, maxBlobBytes); // a new path may clash with a folder ('a' and 'a/b')
        }

        return manifest;
    }

    private string ManifestPath(string folder) => Path.Combine(_versions, folder + ".manifest.json");

    /// <summary>What the blob collection after the last activation freed.</summary>
    public (int Files, long Bytes) LastCollected { get; private set; }

    /// <summary>Set when the pod serves code baked into a frozen image.</summary>
    public FrozenApp? Frozen { get; }

    public ActiveVersion? Active { get; private set; }

    /// <summary>The folder of a version; a frozen version's folder is absolute (Path.Combine keeps it).</summary>
    public string DirectoryOf(ActiveVersion version) => Path.Combine(_versions, version.Folder);

    public static void ValidateVersionId(string? version)
    {
        if (string.IsNullOrEmpty(version) || version.Length > 128 || !char.IsAsciiLetterOrDigit(version[0])
            || !version.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new RuntimeError(RuntimeErrorCodes.InvalidVersionId, 400, "A version id is 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }
    }

    /// <summary>
    /// Assembles, verifies and activates a version; on any refusal the active version is untouched. A version folder
    /// that exists but no longer matches its manifest (user code wrote into it, or an old prune was interrupted) is
    /// rebuilt from the blobs, never refused.
    /// </summary>
    /// <param name="changed">
    /// Set when <paramref name="manifest"/> came from <see cref="ApplyChanges"/> (checked there): only these entries' blobs
    /// are asked for; the others are the active tree's files, linked from it (a damaged one is copied from its blob,
    /// verified then: KT4024 when it is gone, and the client sends the whole manifest).
    /// </param>
    public async Task<(ActiveVersion Version, bool Reused)> ActivateAsync(string version, ContentManifest manifest, long maxBlobBytes, CancellationToken cancellationToken,
        IReadOnlyList<ContentEntry>? changed = null)
    {
        RefuseWhenFrozen();
        ValidateVersionId(version);
        if (changed is null)
        {
            PathRules.Validate(manifest, maxBlobBytes);
        }

        var missing = await _blobs.MissingAsync(changed ?? manifest.Files, cancellationToken).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            throw new RuntimeError(RuntimeErrorCodes.UnknownBlob, 409, $"{missing.Count} blob(s) are not uploaded yet (first: {missing[0].Sha256}); upload them before activating.");
        }

        var digest = ManifestDigest.Compute(manifest);
        var folder = $"{version}-{digest[..12]}";
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var final = Path.Combine(_versions, folder);
            var reused = Directory.Exists(final) && VersionTree.IsIntact(final, manifest);
            if (!reused)
            {
                await BuildAsync(final, manifest, cancellationToken).ConfigureAwait(false);
            }

            var active = new ActiveVersion(version, folder, digest, manifest.Files.Count, manifest.TotalBytes, DateTimeOffset.UtcNow);
            // The manifest first: a reader that sees the new pointer always finds its manifest (a new pod copies both).
            // Its write time is also the version's last activation, which orders pruning.
            AtomicFile.WriteAllBytes(ManifestPath(folder), JsonSerializer.SerializeToUtf8Bytes(manifest));
            _blobsOfVersion[folder] = manifest.Files.Select(f => f.Sha256).ToHashSet(StringComparer.Ordinal);
            AtomicFile.WriteAllBytes(_pointer, JsonSerializer.SerializeToUtf8Bytes(active));
            _activeManifest = new CachedManifest(folder, manifest);
            Active = active;
            return (active, reused);
        }
        finally
        {
            _gate.Release();
        }
    }

    // Assembles the tree in staging, then one rename puts it in place; a damaged tree already there goes to the trash
    // first (the worker may still hold files of it open: they stay readable until closed).
    private async Task BuildAsync(string final, ContentManifest manifest, CancellationToken cancellationToken)
    {
        var staging = Path.Combine(_staging, Guid.NewGuid().ToString("N"));
        try
        {
            var donor = Active is { } active && Frozen is null && ActiveManifest() is { } activeManifest ? (DirectoryOf(active), activeManifest) : ((string, ContentManifest)?)null;
            await VersionTree.AssembleAsync(staging, manifest, _blobs, donor, cancellationToken).ConfigureAwait(false);
            if (Directory.Exists(final))
            {
                Discard(final);
            }

            Directory.Move(staging, final);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    // Out of versions/ with one rename, then deleted: a kill in between leaves trash (emptied at start), never a
    // half-deleted version folder.
    private void Discard(string versionFolder)
    {
        var trashed = Path.Combine(_trash, Path.GetFileName(versionFolder) + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.Move(versionFolder, trashed);
        DeleteQuietly(trashed);
    }

    private static void DeleteQuietly(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>A frozen pod takes no code: its image is the version (freeze again to change it).</summary>
    public void RefuseWhenFrozen()
    {
        if (Frozen is { } frozen)
        {
            throw new RuntimeError(RuntimeErrorCodes.FrozenPod, 409,
                $"This pod is frozen: it serves version '{frozen.Version}' baked into its image and takes neither code nor setup; build and deploy a new frozen image instead.");
        }
    }

    private static ActiveVersion FrozenVersion(FrozenApp frozen)
    {
        if (!Directory.Exists(frozen.Directory))
        {
            throw new KtException(RuntimeErrorCodes.InvalidOptions, $"The frozen app folder '{frozen.Directory}' does not exist in this image.");
        }

        ValidateVersionId(frozen.Version);
        var files = new DirectoryInfo(frozen.Directory).EnumerateFiles("*", SearchOption.AllDirectories).ToList();
        return new ActiveVersion(frozen.Version, frozen.Directory, "frozen", files.Count, files.Sum(f => f.Length), DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Points <c>&lt;root&gt;/current</c> at the active version: called once the worker serves it, so that the link never
    /// names a version whose code is not yet running (calls resolve their own version's folder, not the link).
    /// </summary>
    public void PointCurrentAtActive()
    {
        if (Active is { } active && Frozen is null)
        {
            SwapCurrentLink(active.Folder);
        }
    }

    private void SwapCurrentLink(string folder)
    {
        var link = Path.Combine(_root, "current");
        var temp = Path.Combine(_root, $".current.{Guid.NewGuid():N}");
        File.CreateSymbolicLink(temp, Path.Combine("versions", folder));
        NativeFiles.Rename(temp, link); // rename(2) replaces the link atomically
    }

    /// <summary>
    /// Deletes version trees beyond the <c>keep</c> most recently activated old ones, never the active one, nor
    /// <paramref name="servedDirectory"/> (what the worker serves or is switching to: a slow reload never loses its
    /// folder), nor one that <paramref name="inUse"/> says still has calls in flight (it goes at a later prune); then
    /// collects the blobs no kept version names any more.
    /// </summary>
    public async Task PruneAsync(string? servedDirectory, Func<string, bool>? inUse = null)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Active is not { } active || Frozen is not null)
            {
                return;
            }

            var served = servedDirectory is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(servedDirectory));
            var old = new DirectoryInfo(_versions).GetDirectories()
                .Where(d => d.Name != active.Folder && d.Name != served)
                .OrderByDescending(LastActivated)
                .Skip(_keep)
                .Where(d => inUse?.Invoke(d.Name) != true);
            foreach (var directory in old)
            {
                File.Delete(ManifestPath(directory.Name)); // first: a tree without its manifest is only ever rebuilt
                _blobsOfVersion.TryRemove(directory.Name, out _);
                Discard(directory.FullName);
            }

            LastCollected = _blobs.CollectGarbage(KeptBlobs(), _blobGrace, _pinnedBlobs?.Invoke());
        }
        finally
        {
            _gate.Release();
        }
    }

    private DateTime LastActivated(DirectoryInfo version) =>
        new FileInfo(ManifestPath(version.Name)) is { Exists: true } manifest ? manifest.LastWriteTimeUtc : version.LastWriteTimeUtc;

    // The blobs named by the manifests of the version trees that stay (a kept tree can be rebuilt from them).
    private HashSet<string> KeptBlobs()
    {
        var kept = new HashSet<string>(StringComparer.Ordinal);
        foreach (var directory in Directory.EnumerateDirectories(_versions))
        {
            var name = Path.GetFileName(directory);
            var path = ManifestPath(name);
            if (!File.Exists(path))
            {
                _blobsOfVersion.TryRemove(name, out _);
                continue;
            }

            if (!_blobsOfVersion.TryGetValue(name, out var blobs) && JsonSerializer.Deserialize<ContentManifest>(File.ReadAllBytes(path)) is { Files: { } files })
            {
                blobs = _blobsOfVersion[name] = files.Select(f => f.Sha256).ToHashSet(StringComparer.Ordinal);
            }

            if (blobs is not null)
            {
                kept.UnionWith(blobs);
            }
        }

        return kept;
    }

    private ActiveVersion? ReadPointer()
    {
        if (!File.Exists(_pointer))
        {
            return null;
        }

        var active = JsonSerializer.Deserialize<ActiveVersion>(File.ReadAllBytes(_pointer));
        return active is not null && Directory.Exists(Path.Combine(_versions, active.Folder)) ? active : null;
    }

    private sealed record CachedManifest(string Folder, ContentManifest Manifest);
}
