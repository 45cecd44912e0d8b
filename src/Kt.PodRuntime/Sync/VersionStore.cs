using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kt.Core;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Hosting;

namespace Kt.PodRuntime.Sync;

/// <summary>
/// Complete version trees under <c>&lt;root&gt;/versions</c>, assembled in <c>&lt;root&gt;/staging</c> from the blob
/// store, verified, moved into place with one rename, and made live by rewriting <c>active.json</c> atomically (and
/// swapping the <c>current</c> symlink). An interrupted activation leaves only a staging folder, never a mixed tree.
/// </summary>
public sealed class VersionStore
{
    private readonly string _root;
    private readonly string _versions;
    private readonly string _staging;
    private readonly string _pointer;
    private readonly BlobStore _blobs;
    private readonly int _keep;
    private readonly TimeSpan _blobGrace;
    private readonly Func<IReadOnlySet<string>>? _pinnedBlobs;
    private readonly SemaphoreSlim _gate = new(1, 1);

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
        Directory.CreateDirectory(_versions);
        if (Directory.Exists(_staging))
        {
            Directory.Delete(_staging, recursive: true); // leftovers of interrupted activations
        }

        Directory.CreateDirectory(_staging);
        Frozen = frozen;
        Active = frozen is null ? ReadPointer() : FrozenVersion(frozen);
    }

    /// <summary>The manifest of the active version (what a new pod syncs from this one), or null when there is none.</summary>
    public ContentManifest? ActiveManifest()
    {
        if (Active is not { } active || Frozen is not null || !File.Exists(ManifestPath(active.Folder)))
        {
            return null;
        }

        return JsonSerializer.Deserialize<ContentManifest>(File.ReadAllBytes(ManifestPath(active.Folder)));
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

    /// <summary>Assembles, verifies and activates a version; on any refusal the active version is untouched.</summary>
    /// <param name="beforeSwitch">Runs after the tree is complete and before the pointer changes (e.g. nothing); may throw to abort.</param>
    public async Task<(ActiveVersion Version, bool Reused)> ActivateAsync(string version, ContentManifest manifest, long maxBlobBytes, CancellationToken cancellationToken)
    {
        RefuseWhenFrozen();
        ValidateVersionId(version);
        PathRules.Validate(manifest, maxBlobBytes);
        var missing = manifest.Files.Select(f => f.Sha256).Distinct(StringComparer.Ordinal).Where(h => !_blobs.Contains(h)).ToList();
        if (missing.Count > 0)
        {
            throw new RuntimeError(RuntimeErrorCodes.UnknownBlob, 409, $"{missing.Count} blob(s) are not uploaded yet (first: {missing[0]}); upload them before activating.");
        }

        var digest = ManifestDigest(manifest);
        var folder = $"{version}-{digest[..12]}";
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var final = Path.Combine(_versions, folder);
            var reused = Directory.Exists(final);
            if (!reused)
            {
                var staging = Path.Combine(_staging, Guid.NewGuid().ToString("N"));
                try
                {
                    await AssembleAsync(staging, manifest, cancellationToken).ConfigureAwait(false);
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
            else
            {
                await VerifyTreeAsync(final, manifest, cancellationToken).ConfigureAwait(false);
            }

            var active = new ActiveVersion(version, folder, digest, manifest.Files.Count, manifest.TotalBytes, DateTimeOffset.UtcNow);
            // The manifest first: a reader that sees the new pointer always finds its manifest (a new pod copies both).
            AtomicFile.WriteAllBytes(ManifestPath(folder), JsonSerializer.SerializeToUtf8Bytes(manifest));
            AtomicFile.WriteAllBytes(_pointer, JsonSerializer.SerializeToUtf8Bytes(active));
            SwapCurrentLink(folder);
            Active = active;
            return (active, reused);
        }
        finally
        {
            _gate.Release();
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

    private async Task AssembleAsync(string staging, ContentManifest manifest, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(staging);
        var created = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in manifest.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await _blobs.VerifyAsync(entry.Sha256, entry.Size, cancellationToken).ConfigureAwait(false);
            var target = Path.Combine(staging, entry.Path);
            var parent = Path.GetDirectoryName(target)!;
            if (created.Add(parent))
            {
                Directory.CreateDirectory(parent);
            }

            var source = _blobs.LinkSource(entry.Sha256, entry.Mode);
            if (!NativeFiles.TryHardLink(source, target))
            {
                File.Copy(source, target); // e.g. too many links on one inode
                File.SetUnixFileMode(target, File.GetUnixFileMode(source));
            }
        }

        await VerifyTreeAsync(staging, manifest, cancellationToken, freshTree: true).ConfigureAwait(false);
    }

    // Every listed file is present with its size, and is a regular file (not a link); nothing else is in the tree.
    private static Task VerifyTreeAsync(string directory, ContentManifest manifest, CancellationToken cancellationToken, bool freshTree = false)
    {
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in manifest.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(Path.Combine(directory, entry.Path));
            if (!info.Exists || (info.Attributes & FileAttributes.ReparsePoint) != 0 || info.Length != entry.Size)
            {
                throw new RuntimeError(RuntimeErrorCodes.HashMismatch, 409, $"'{entry.Path}' did not assemble to {entry.Size} bytes; activation refused.");
            }

            expected.Add(info.FullName);
        }

        if (freshTree)
        {
            return Task.CompletedTask; // a staging folder we just created holds only what we put there
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            if (!expected.Contains(file))
            {
                throw new RuntimeError(RuntimeErrorCodes.HashMismatch, 409, $"Version tree holds an unlisted file '{Path.GetRelativePath(directory, file)}'; activation refused.");
            }
        }

        return Task.CompletedTask;
    }

    private void SwapCurrentLink(string folder)
    {
        var link = Path.Combine(_root, "current");
        var temp = Path.Combine(_root, $".current.{Guid.NewGuid():N}");
        File.CreateSymbolicLink(temp, Path.Combine("versions", folder));
        NativeFiles.Rename(temp, link); // rename(2) replaces the link atomically
    }

    /// <summary>
    /// Deletes version trees beyond the newest kept ones, never the active one nor <paramref name="servedDirectory"/>
    /// (what the worker serves or is switching to: it runs after the worker switched, so a slow reload never loses its
    /// folder), then collects the blobs no tree links to any more.
    /// </summary>
    public async Task PruneAsync(string? servedDirectory)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Active is not { } active || Frozen is not null)
            {
                return;
            }

            var served = servedDirectory is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(servedDirectory));
            RemoveOldVersions(active.Folder, served);
            LastCollected = _blobs.CollectGarbage(_blobGrace, _pinnedBlobs?.Invoke());
        }
        finally
        {
            _gate.Release();
        }
    }

    private void RemoveOldVersions(string activeFolder, string? servedFolder)
    {
        var old = new DirectoryInfo(_versions).GetDirectories()
            .Where(d => d.Name != activeFolder && d.Name != servedFolder)
            .OrderByDescending(d => d.LastWriteTimeUtc)
            .Skip(_keep)
            .ToList();
        foreach (var directory in old)
        {
            try
            {
                directory.Delete(recursive: true);
                File.Delete(ManifestPath(directory.Name));
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
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

    /// <summary>sha256 over the manifest's entries in path order: identical trees get identical digests.</summary>
    public static string ManifestDigest(ContentManifest manifest)
    {
        var text = new StringBuilder();
        foreach (var entry in manifest.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            text.Append(entry.Path).Append('\0').Append(entry.Size).Append('\0').Append(entry.Mode).Append('\0').Append(entry.Sha256).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
