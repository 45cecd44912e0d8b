using System.Collections.Concurrent;
using System.Security.Cryptography;
using Kt.Core;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Sync;

/// <summary>
/// Content-addressed storage under <c>&lt;root&gt;/blobs</c>: a blob is only ever visible under its name after its
/// bytes were hashed and matched, and nothing outside the store shares its inode (version trees and placed files are
/// copies), so nothing user code writes can reach it. A blob is trusted only once its bytes were checked.
/// </summary>
public sealed class BlobStore
{
    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private readonly string _directory;
    private readonly string _temp;
    private readonly ConcurrentDictionary<string, (long Size, long Modified)> _verified = new(StringComparer.Ordinal);

    public BlobStore(string root)
    {
        _directory = Path.Combine(root, "blobs", "sha256");
        _temp = Path.Combine(root, "blobs", "tmp");
        Directory.CreateDirectory(_directory);
        Directory.CreateDirectory(_temp);
        foreach (var stale in Directory.EnumerateFiles(_temp))
        {
            File.Delete(stale);
        }

        // Read-only per-mode copies that version trees once hard-linked; trees are private copies now.
        foreach (var legacy in Directory.EnumerateDirectories(Path.Combine(root, "blobs"), "mode-*"))
        {
            Directory.Delete(legacy, recursive: true);
        }
    }

    public string PathOf(string sha256) => Path.Combine(_directory, sha256);

    /// <summary>Present and checked in this process, unchanged since (no hashing; a damaged blob is replaced by an upload).</summary>
    private bool IsKnownIntact(string sha256) =>
        new FileInfo(PathOf(sha256)) is { Exists: true } info && _verified.TryGetValue(sha256, out var stamp) && stamp == Stamp(info);

    /// <summary>Present on disk (what a peer may fetch; uses check the bytes with <see cref="IsIntactAsync"/>).</summary>
    public bool Contains(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>Streams a blob in, hashing as it goes; refuses it (and keeps nothing) when too large or mismatched.</summary>
    /// <returns>True when the blob was stored, false when it was already present.</returns>
    public async Task<bool> PutAsync(string sha256, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        PathRules.ValidateHash(sha256);
        if (IsKnownIntact(sha256))
        {
            return false;
        }

        var temp = Path.Combine(_temp, Guid.NewGuid().ToString("N"));
        try
        {
            long total = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        throw new RuntimeError(RuntimeErrorCodes.BlobTooLarge, 413, $"Blob {sha256} is over the limit of {maxBytes} bytes.");
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }

                file.Flush(flushToDisk: true);
            }

            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != sha256)
            {
                throw new RuntimeError(RuntimeErrorCodes.HashMismatch, 400, $"The uploaded bytes hash to {actual}, not {sha256}.");
            }

            File.SetUnixFileMode(temp, ReadOnly);
            File.Move(temp, PathOf(sha256), overwrite: true);
            _verified[sha256] = Stamp(new FileInfo(PathOf(sha256)));
            return true;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>
    /// True when the blob is stored with bytes that hash to its name (hashed once per process while the file stays
    /// untouched, since hashing is the cost). A blob that fails is dropped, so that it counts as missing and is uploaded
    /// again: presence alone is never trusted. An intact blob of another size than the manifest says is KT4028.
    /// </summary>
    public async Task<bool> IsIntactAsync(string sha256, long expectedSize, CancellationToken cancellationToken)
    {
        var info = new FileInfo(PathOf(sha256));
        if (!info.Exists)
        {
            return false;
        }

        if (!_verified.TryGetValue(sha256, out var stamp) || stamp != Stamp(info))
        {
            await using var stream = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            if (Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false)) != sha256)
            {
                Drop(sha256);
                return false;
            }

            _verified[sha256] = Stamp(info);
        }

        // The bytes match their name, so it is the manifest that is wrong about them.
        return info.Length == expectedSize
            ? true
            : throw new RuntimeError(RuntimeErrorCodes.SizeMismatch, 400, $"Blob {sha256} has {info.Length} bytes but the manifest says {expectedSize}.");
    }

    /// <summary>The distinct blobs of these entries that are not stored intact (damaged ones are dropped on the way).</summary>
    public async Task<IReadOnlyList<ContentEntry>> MissingAsync(IEnumerable<ContentEntry> entries, CancellationToken cancellationToken)
    {
        var missing = new List<ContentEntry>();
        foreach (var entry in entries.DistinctBy(e => e.Sha256, StringComparer.Ordinal))
        {
            if (!await IsIntactAsync(entry.Sha256, entry.Size, cancellationToken).ConfigureAwait(false))
            {
                missing.Add(entry);
            }
        }

        return missing;
    }

    /// <summary>Checks a stored blob before its bytes are used; a damaged one is dropped and must be uploaded again.</summary>
    public async Task VerifyAsync(string sha256, long expectedSize, CancellationToken cancellationToken)
    {
        if (!await IsIntactAsync(sha256, expectedSize, cancellationToken).ConfigureAwait(false))
        {
            throw new RuntimeError(RuntimeErrorCodes.UnknownBlob, 409, $"Blob {sha256} is not in the blob store with {expectedSize} bytes (a damaged copy is dropped); upload it again.");
        }
    }

    private void Drop(string sha256)
    {
        _verified.TryRemove(sha256, out _);
        File.Delete(PathOf(sha256));
    }

    // Any write to the file changes its size or modification time: then it is hashed again.
    private static (long, long) Stamp(FileInfo info) => (info.Length, info.LastWriteTimeUtc.Ticks);

    /// <summary>
    /// Deletes blobs that no kept version nor <paramref name="pinned"/> names and that are older than
    /// <paramref name="grace"/>, so that blobs uploaded for a sync not yet activated survive. Returns what it freed.
    /// </summary>
    /// <param name="referenced">The blobs of the version trees that stay.</param>
    /// <param name="pinned">Blobs to keep whoever names them (the journal's file steps, which a new pod may replay).</param>
    public (int Files, long Bytes) CollectGarbage(IReadOnlySet<string> referenced, TimeSpan grace, IReadOnlySet<string>? pinned = null)
    {
        var cutoff = DateTime.UtcNow - grace;
        var (files, bytes) = (0, 0L);
        foreach (var file in new DirectoryInfo(_directory).EnumerateFiles())
        {
            // Names first: a kept blob costs no stat (a 10,000-file app keeps 10,000 blobs, collected after every activation).
            if (referenced.Contains(file.Name) || pinned?.Contains(file.Name) == true || file.LastWriteTimeUtc > cutoff)
            {
                continue;
            }

            try
            {
                var length = file.Length;
                file.Delete();
                _verified.TryRemove(file.Name, out _);
                files++;
                bytes += length;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return (files, bytes);
    }
}
