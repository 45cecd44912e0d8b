using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// A content-addressed folder of blobs, <c>&lt;root&gt;/sha256/&lt;hex&gt;</c> (default root
/// <c>~/.kt/cache/blobs</c>). Blobs are written to a temp file and renamed into place, so a reader never sees half a
/// blob; a blob is re-hashed before reuse, and one whose bytes no longer match its name is deleted.
/// </summary>
public sealed class BlobCache
{
    public BlobCache(string? root = null)
    {
        Root = Path.GetFullPath(root ?? DefaultRoot);
        BlobDirectory = Path.Combine(Root, "sha256");
        Directory.CreateDirectory(BlobDirectory);
    }

    public static string DefaultRoot => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kt", "cache", "blobs");

    public string Root { get; }

    /// <summary>The folder holding the blobs, named by their hex digest.</summary>
    public string BlobDirectory { get; }

    public string PathFor(Digest digest) => Path.Combine(BlobDirectory, digest.Hex);

    /// <summary>A fresh temp file name inside the cache (same file system, so the final rename is atomic).</summary>
    public string CreateTempPath() => Path.Combine(BlobDirectory, $".tmp-{Guid.NewGuid():N}");

    /// <summary>
    /// The path of a verified copy of <paramref name="digest"/>, or null when absent. A copy whose content does not
    /// hash to its name (disk corruption, an interrupted foreign write) is deleted and reported absent.
    /// </summary>
    public async Task<string?> TryGetVerifiedAsync(Digest digest, CancellationToken cancellationToken = default)
    {
        var path = PathFor(digest);
        if (!File.Exists(path))
        {
            return null;
        }

        // A blob hashed once in this process is trusted while its size and mtime are unchanged: any write to the file
        // (the usual corruption: a truncated or overwritten copy) changes them and brings back a full re-hash.
        var info = new FileInfo(path);
        var stamp = (info.Length, info.LastWriteTimeUtc);
        if (VerifiedStamps.TryGetValue(path, out var known) && known == stamp)
        {
            return path;
        }

        if (await Digest.ComputeFileAsync(path, cancellationToken).ConfigureAwait(false) == digest)
        {
            VerifiedStamps[path] = stamp;
            return path;
        }

        VerifiedStamps.TryRemove(path, out _);
        File.Delete(path);
        return null;
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (long Length, DateTime Written)> VerifiedStamps =
        new(StringComparer.Ordinal);

    /// <summary>Moves a finished temp file into place under its digest (the caller has hashed it).</summary>
    public string Commit(string tempPath, Digest digest)
    {
        var path = PathFor(digest);
        File.Move(tempPath, path, overwrite: true);
        return path;
    }

    /// <summary>
    /// Copies <paramref name="content"/> into the cache, hashing as it goes; if the bytes do not match
    /// <paramref name="expected"/> nothing is kept and KT2020 is thrown.
    /// </summary>
    public async Task<string> PutAsync(Stream content, Digest expected, string what, CancellationToken cancellationToken = default)
    {
        var temp = CreateTempPath();
        try
        {
            Digest actual;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                using var hashing = new HashingStream(file);
                await content.CopyToAsync(hashing, cancellationToken).ConfigureAwait(false);
                actual = hashing.GetDigest();
            }

            if (actual != expected)
            {
                throw new KtException(OciErrors.DigestMismatch, $"Digest mismatch for {what}: expected {expected}, received content hashes to {actual}; nothing was kept.");
            }

            return Commit(temp, expected);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Returns the verified cached copy, or fetches, verifies and stores it.</summary>
    public async Task<string> GetOrAddAsync(Digest digest, Func<CancellationToken, Task<Stream>> fetch, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        if (await TryGetVerifiedAsync(digest, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return cached;
        }

        await using var content = await fetch(cancellationToken).ConfigureAwait(false);
        return await PutAsync(content, digest, what, cancellationToken).ConfigureAwait(false);
    }
}
