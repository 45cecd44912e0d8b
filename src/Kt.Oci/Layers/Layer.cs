using Kt.Core;

namespace Kt.Oci;

/// <summary>A finished layer blob on disk.</summary>
/// <param name="DiffId">sha256 of the uncompressed tar (goes into <c>rootfs.diff_ids</c>).</param>
/// <param name="Digest">sha256 of the blob as stored (the manifest's layer digest).</param>
/// <param name="Size">Size of the blob in bytes.</param>
/// <param name="MediaType">Usually <see cref="MediaTypes.OciLayerGzip"/>.</param>
/// <param name="BlobPath">Where the blob lies (in the blob cache, named by its digest).</param>
public sealed record Layer(Digest DiffId, Digest Digest, long Size, string MediaType, string BlobPath)
{
    public Descriptor ToDescriptor() => new(MediaType, Digest, Size);
}
