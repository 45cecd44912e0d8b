using Kt.Core;

namespace Kt.PodRuntime.Client;

/// <summary>
/// Computes the <see cref="ContentManifest"/> of a folder, hashing only what may have changed since its last build: a
/// file whose stamp (size, permission bits, mtime and ctime in nanoseconds, inode: <see cref="FileStamp"/>) is the one
/// its digest was taken with keeps that digest, so a re-sync after a one-file change reads one file (and stats every
/// entry once). Keep one builder for the deploys of a folder (a watch session does) to profit from it. Symlinks that
/// leave the folder are refused (KT4026).
/// </summary>
/// <remarks>
/// The racy case, as git has it: a file rewritten with the same size within the file system's timestamp granularity of
/// the moment it was hashed keeps its stamp. So a digest taken of a file whose times are not clearly older than the
/// build that read it (within <see cref="RacyWindow"/>) is not trusted by the next build: that file is hashed again,
/// until its stamp is old enough to be a proof.
/// </remarks>
public sealed class ManifestBuilder
{
    /// <summary>
    /// Larger than any timestamp granularity a project may live on (ext4/xfs/btrfs: the kernel's coarse clock, a few
    /// milliseconds; 1 s on some network and older file systems; 2 s on FAT), so a same-size rewrite is always seen.
    /// </summary>
    public static readonly TimeSpan RacyWindow = TimeSpan.FromSeconds(3);

    private readonly Lock _swap = new();
    private readonly TimeProvider _clock;
    private Dictionary<string, Known> _known = new(StringComparer.Ordinal);

    public ManifestBuilder()
        : this(TimeProvider.System)
    {
    }

    /// <param name="clock">What "now" is for the racy check (tests move it; the file system's own clock must agree with it).</param>
    public ManifestBuilder(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
    }

    /// <summary>How many files the last build hashed (the rest were proven unchanged by their stamp).</summary>
    public int LastHashed { get; private set; }

    /// <summary>
    /// The manifest of the last build (null before the first): what a sync that followed it made the pods serve, so the
    /// next sync can send only the changes since (a pod serving something else says so, and gets the whole manifest).
    /// </summary>
    public ContentManifest? LastBuilt { get; private set; }

    /// <param name="folder">The folder to describe.</param>
    /// <param name="excludedFolders">Top-level folder names left out (e.g. <c>kt-runtime</c>, which only the caller needs).</param>
    /// <param name="cancellationToken">Stops the hashing.</param>
    public async Task<ContentManifest> BuildAsync(string folder, IReadOnlyCollection<string>? excludedFolders = null, CancellationToken cancellationToken = default)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        if (!Directory.Exists(root))
        {
            throw new KtException(RuntimeErrorCodes.InvalidPath, $"'{folder}' is not a folder.");
        }

        // Taken before any entry is read: a file written after this moment is racy however its clock ticked.
        var startedNs = (_clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        var files = new List<Found>();
        Collect(root, root, files, excludedFolders ?? []);

        Dictionary<string, Known> previous;
        lock (_swap)
        {
            previous = _known;
        }

        var digests = new string?[files.Count];
        var toHash = new List<int>();
        for (var i = 0; i < files.Count; i++)
        {
            if (previous.TryGetValue(files[i].Full, out var known) && !known.Racy && known.Stamp == files[i].Stamp && known.Target == files[i].Target)
            {
                digests[i] = known.Sha256;
            }
            else
            {
                toHash.Add(i);
            }
        }

        await Parallel.ForEachAsync(toHash, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount },
            async (i, ct) => digests[i] = (await Digest.ComputeFileAsync(files[i].Target, ct).ConfigureAwait(false)).Hex).ConfigureAwait(false);

        var racyFrom = startedNs - RacyWindow.Ticks * 100;
        var next = new Dictionary<string, Known>(files.Count, StringComparer.Ordinal);
        var entries = new ContentEntry[files.Count];
        for (var i = 0; i < files.Count; i++)
        {
            var (full, relative, target, stamp) = files[i];
            next[full] = new Known(target, stamp, digests[i]!, Racy: stamp.LatestNs >= racyFrom);
            entries[i] = new ContentEntry(relative, stamp.Size, stamp.Mode, digests[i]!);
        }

        lock (_swap)
        {
            _known = next;
            LastHashed = toHash.Count;
        }

        Array.Sort(entries, (a, b) => string.CompareOrdinal(a.Path, b.Path));
        var manifest = new ContentManifest(entries);
        LastBuilt = manifest;
        return manifest;
    }

    /// <summary>A file of the folder: where it is, its manifest path, what to read (a symlink's target) and the target's stamp.</summary>
    private readonly record struct Found(string Full, string Relative, string Target, FileStamp Stamp);

    /// <summary>What a build learned of a file: the stamp its digest was taken with, and whether that stamp proves anything.</summary>
    private sealed record Known(string Target, FileStamp Stamp, string Sha256, bool Racy);

    private static void Collect(string root, string directory, List<Found> files, IReadOnlyCollection<string> excludedFolders)
    {
        foreach (var full in Directory.EnumerateFileSystemEntries(directory))
        {
            if (FileStamp.Read(full, follow: false) is not { } stamp)
            {
                continue; // deleted meanwhile
            }

            var relative = full[(root.Length + 1)..].Replace('\\', '/');
            if (stamp.Kind == FileKind.Directory)
            {
                if (directory != root || !excludedFolders.Contains(Path.GetFileName(full)))
                {
                    Collect(root, full, files, excludedFolders);
                }
            }
            else if (stamp.Kind == FileKind.Regular)
            {
                files.Add(new Found(full, relative, full, stamp));
            }
            else if (stamp.Kind == FileKind.Symlink && LinkedFile(root, full, relative) is { } target)
            {
                files.Add(target);
            }
        }
    }

    // A link to a file inside the folder is synced as that file's bytes under the link's name; a link to a folder inside
    // it is skipped (its content is synced where it really lives); a link leaving the folder is refused.
    private static Found? LinkedFile(string root, string full, string relative)
    {
        FileSystemInfo link = new FileInfo(full);
        var resolved = link.ResolveLinkTarget(returnFinalTarget: true)?.FullName;
        if (resolved is null || !IsInside(root, resolved))
        {
            throw new KtException(RuntimeErrorCodes.SymlinkEscape, $"'{relative}' is a symlink that leaves '{root}'; sync refuses it.");
        }

        return FileStamp.Read(resolved, follow: true) is { Kind: FileKind.Regular } target ? new Found(full, relative, resolved, target) : null;
    }

    private static bool IsInside(string root, string candidate) =>
        (Path.GetFullPath(candidate) + Path.DirectorySeparatorChar).StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
