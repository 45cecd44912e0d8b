using System.Security.Cryptography;
using Kt.Core;

namespace Kt.Oci;

/// <summary>Reads a layer's blob from its source lazily while hashing it; <see cref="ThrowIfMismatch"/> checks the digest at the end.</summary>
internal sealed class VerifyingReadStream(ImageLayer layer, CancellationToken openCancellation) : ReadOnlyStreamBase
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private Stream? inner;
    private long read;

    public override long Length => layer.Descriptor.Size;

    public override long Position { get => read; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        inner ??= await layer.Source.OpenBlobAsync(layer.Descriptor, openCancellation).ConfigureAwait(false);
        var count = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        hash.AppendData(buffer.Span[..count]);
        read += count;
        return count;
    }

    // Synchronous readers are rare here (tar writers use the async path); they go through a pooled buffer.
    public override int Read(Span<byte> buffer)
    {
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var count = ReadAsync(rented.AsMemory(0, buffer.Length)).AsTask().GetAwaiter().GetResult();
            rented.AsSpan(0, count).CopyTo(buffer);
            return count;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public void ThrowIfMismatch()
    {
        var actual = Digest.FromSha256Hex(Convert.ToHexStringLower(hash.GetHashAndReset()));
        if (actual != layer.Descriptor.Digest)
        {
            throw new KtException(OciErrors.DigestMismatch, $"Digest mismatch for layer {layer.Descriptor.Digest}: its source's bytes hash to {actual}.");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner?.Dispose();
            hash.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (inner is not null)
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            inner = null;
        }

        hash.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
