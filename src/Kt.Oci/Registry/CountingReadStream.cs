using Kt.Core;

namespace Kt.Oci;

/// <summary>Counts bytes read through it (i.e. sent as a request body) into a callback; owns the inner stream.</summary>
internal sealed class CountingReadStream(Stream inner, Action<long> onRead) : ReadOnlyStreamBase
{
    public override long Length => inner.Length;

    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        var count = inner.Read(buffer);
        onRead(count);
        return count;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var count = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        onRead(count);
        return count;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
