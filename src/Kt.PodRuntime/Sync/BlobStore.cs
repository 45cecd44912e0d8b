using System.Collections.Concurrent;
using System.Security.Cryptography;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Sync;

/// <summary>
/// Content-addressed storage under <c>&lt;root&gt;/blobs</c>: a blob is only ever visible under its name after its
/// bytes were hashed and matched. Stored blobs are read-only; per-mode read-only variants are made on demand so
/// version trees can hard-link them with the right permission bits.
/// </summary>
public sealed class BlobStore
{
    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private readonly string _directory;
    private readonly string _temp;
    private readonly ConcurrentDictionary<string, long> _verified = new(StringComparer.Ordinal);

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
    }

    public string PathOf(string sha256) => Path.Combine(_directory, sha256);

    public bool Contains(string sha256) => File.Exists(PathOf(sha256));

    /// <summary>Streams a blob in, hashing as it goes; refuses it (and keeps nothing) when too large or mismatched.</summary>
    /// <returns>True when the blob was stored, false when it was already present.</returns>
    public async Task<bool> PutAsync(string sha256, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        PathRules.ValidateHash(sha256);
        if (Contains(sha256))
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
            _verified[sha256] = total;
            return true;
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Checks a stored blob's bytes against its name (once per process; then by size).</summary>
    public async Task VerifyAsync(string sha256, long expectedSize, CancellationToken cancellationToken)
    {
        var path = PathOf(sha256);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new RuntimeError(RuntimeErrorCodes.UnknownBlob, 409, $"Blob {sha256} is not in the blob store; upload it first.");
        }

        if (info.Length != expectedSize)
        {
            throw new RuntimeError(RuntimeErrorCodes.SizeMismatch, 400, $"Blob {sha256} has {info.Length} bytes but the manifest says {expectedSize}.");
        }

        if (_verified.TryGetValue(sha256, out var size) && size == info.Length)
        {
            return;
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        if (actual != sha256)
        {
            File.Delete(path); // a corrupted blob must be uploaded again
            throw new RuntimeError(RuntimeErrorCodes.HashMismatch, 409, $"Stored blob {sha256} is corrupted (hashes to {actual}); it was removed, sync again.");
        }

        _verified[sha256] = info.Length;
    }

    /// <summary>
    /// A read-only file with this content and the permission bits of <paramref name="mode"/> minus write bits (version
    /// trees share their bytes, so nothing in them may be written).
    /// </summary>
    public string LinkSource(string sha256, int mode)
    {
        var effective = (UnixFileMode)(mode & 0x16D) | ReadOnly; // r and x bits only (0555)
        if (effective == ReadOnly)
        {
            return PathOf(sha256);
        }

        var variantDirectory = Path.Combine(Path.GetDirectoryName(_directory)!, "mode-" + Convert.ToString((int)effective, 8));
        var variant = Path.Combine(variantDirectory, sha256);
        if (!File.Exists(variant))
        {
            Directory.CreateDirectory(variantDirectory);
            var temp = Path.Combine(_temp, Guid.NewGuid().ToString("N"));
            File.Copy(PathOf(sha256), temp);
            File.SetUnixFileMode(temp, effective);
            File.Move(temp, variant, overwrite: true);
        }

        return variant;
    }

    /// <summary>
    /// Deletes blobs (and their mode variants) that no version tree or placed file links to any more and that are older
    /// than <paramref name="grace"/>, so that blobs uploaded for a sync not yet activated survive. Returns what it freed.
    /// </summary>
    /// <param name="pinned">Blobs to keep whatever links them (the journal's file steps, which a new pod may replay).</param>
    public (int Files, long Bytes) CollectGarbage(TimeSpan grace, IReadOnlySet<string>? pinned = null)
    {
        var cutoff = DateTime.UtcNow - grace;
        var blobsRoot = Path.GetDirectoryName(_directory)!;
        var (files, bytes) = (0, 0L);
        foreach (var folder in Directory.EnumerateDirectories(blobsRoot).Where(d => Path.GetFileName(d) is var name && (name == "sha256" || name.StartsWith("mode-", StringComparison.Ordinal))))
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles())
            {
                if (file.LastWriteTimeUtc > cutoff || pinned?.Contains(file.Name) == true || NativeFiles.LinkCount(file.FullName) != 1)
                {
                    continue;
                }

                try
                {
                    var length = file.Length;
                    file.Delete();
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
        }

        return (files, bytes);
    }
}
