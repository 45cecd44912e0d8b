using Kt.Core;

namespace Kt.PodRuntime.Sync;

/// <summary>
/// One version's files as copies of its blobs (reflinks where the filesystem has them: <c>File.Copy</c> tries a clone
/// first), each stamped with one fixed modification time; unchanged files are hard-linked from the previous tree.
/// Never hard links to the blob store, because user code may open its own files for writing (and root ignores
/// read-only bits): a write then changes version trees only, never a blob, and the stamp or size no longer matches,
/// which tells a later activation to rebuild the tree.
/// </summary>
internal static class VersionTree
{
    /// <summary>The modification time of every file of an assembled tree; any write moves it.</summary>
    public static readonly DateTime Stamp = new(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <param name="donor">A tree assembled before (the active one): its untouched files with the same content and mode
    /// are hard-linked instead of copied. Trees may share inodes with each other, never with the blob store; a write
    /// through one tree shows in the others' stamps, and they are rebuilt when activated again.</param>
    public static async Task AssembleAsync(string directory, ContentManifest manifest, BlobStore blobs, (string Directory, ContentManifest Manifest)? donor, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var created = new HashSet<string>(StringComparer.Ordinal);
        var donated = donor is { } d
            ? d.Manifest.Files.DistinctBy(f => (f.Sha256, f.Mode)).ToDictionary(f => (f.Sha256, f.Mode), f => (Path: Path.Combine(d.Directory, f.Path), f.Size))
            : [];
        foreach (var entry in manifest.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = Path.Combine(directory, entry.Path);
            var parent = Path.GetDirectoryName(target)!;
            if (created.Add(parent))
            {
                Directory.CreateDirectory(parent);
            }

            if (donated.TryGetValue((entry.Sha256, entry.Mode), out var same) && IsUntouched(new FileInfo(same.Path), same.Size) && NativeFiles.TryHardLink(same.Path, target))
            {
                continue;
            }

            await blobs.VerifyAsync(entry.Sha256, entry.Size, cancellationToken).ConfigureAwait(false);
            File.Copy(blobs.PathOf(entry.Sha256), target);
            File.SetUnixFileMode(target, (UnixFileMode)(entry.Mode & 0x1FF)); // permission bits only, never setuid/setgid
            File.SetLastWriteTimeUtc(target, Stamp);
        }
    }

    private static bool IsUntouched(FileInfo file, long size) =>
        file.Exists && (file.Attributes & FileAttributes.ReparsePoint) == 0 && file.Length == size && file.LastWriteTimeUtc == Stamp;

    /// <summary>
    /// True when the tree holds exactly the manifest's files, each a regular file of its size that nothing wrote since
    /// it was assembled (stat only, no hashing: activation stays fast for a thousand files).
    /// </summary>
    public static bool IsIntact(string directory, ContentManifest manifest)
    {
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in manifest.Files)
        {
            var info = new FileInfo(Path.Combine(directory, entry.Path));
            if (!IsUntouched(info, entry.Size))
            {
                return false;
            }

            expected.Add(info.FullName);
        }

        return Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).All(expected.Contains);
    }
}
