using Kt.Core;

namespace Kt.Oci;

/// <summary>A read-only window [offset, offset+length) over a stream it owns.</summary>
internal sealed class SubReadStream : ReadOnlyStreamBase
{
    private readonly Stream inner;
    private readonly long offset;
    private readonly long length;
    private long position;

    public SubReadStream(Stream inner, long offset, long length)
    {
        this.inner = inner;
        this.offset = offset;
        this.length = length;
        inner.Seek(offset, SeekOrigin.Begin);
    }

    public override long Length => length;

    public override long Position { get => position; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer)
    {
        var count = inner.Read(buffer[..Clamp(buffer.Length)]);
        position += count;
        return count;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var count = await inner.ReadAsync(buffer[..Clamp(buffer.Length)], cancellationToken).ConfigureAwait(false);
        position += count;
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

    private int Clamp(int requested) => (int)Math.Min(requested, length - position);
}
