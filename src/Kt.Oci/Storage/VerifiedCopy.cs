using Kt.Core;

namespace Kt.Oci;

/// <summary>Copies a blob from its source while hashing it, so a writer never emits bytes that do not match the digest.</summary>
internal static class VerifiedCopy
{
    public static async Task CopyAsync(IBlobSource source, Descriptor descriptor, Stream destination, CancellationToken cancellationToken)
    {
        await using var content = await source.OpenBlobAsync(descriptor, cancellationToken).ConfigureAwait(false);
        using var hashing = new HashingStream(destination);
        await content.CopyToAsync(hashing, cancellationToken).ConfigureAwait(false);
        var actual = hashing.GetDigest();
        if (actual != descriptor.Digest || hashing.BytesWritten != descriptor.Size)
        {
            throw new KtException(OciErrors.DigestMismatch, $"Digest mismatch for blob {descriptor.Digest}: its source gave {hashing.BytesWritten} bytes hashing to {actual} (expected {descriptor.Size} bytes).");
        }
    }
}
