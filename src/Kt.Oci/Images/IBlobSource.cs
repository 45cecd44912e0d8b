namespace Kt.Oci;

/// <summary>Somewhere the bytes of a blob can be read from (a file, a registry, a tarball, a layout).</summary>
public interface IBlobSource
{
    /// <summary>Opens the blob for reading. Callers verify the digest while they copy.</summary>
    Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken = default);
}

/// <summary>A blob that lies in a file on this machine (a built layer, a blob-cache entry).</summary>
public sealed record FileBlobSource(string Path) : IBlobSource
{
    public Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken = default) =>
        Task.FromResult<Stream>(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan | FileOptions.Asynchronous));
}
