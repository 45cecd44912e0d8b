using ICSharpCode.SharpZipLib.Checksum;
using ICSharpCode.SharpZipLib.Zip.Compression;
using ICSharpCode.SharpZipLib.Zip.Compression.Streams;

namespace Kt.Oci;

/// <summary>
/// A write-only gzip stream whose bytes depend only on the input: pinned deflate (SharpZipLib 1.4.2, level
/// <see cref="Level"/>) inside a hand-written gzip frame with no file name, mtime 0 and OS "unknown". The runtime's
/// GZipStream is not used because its zlib (and thus the layer digest) changes between .NET versions and platforms.
/// </summary>
internal sealed class DeterministicGzipStream : Stream
{
    public const int Level = 6;
    private static readonly byte[] Header = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

    private readonly Stream output;
    private readonly DeflaterOutputStream deflater;
    private readonly Crc32 crc = new();
    private long inputLength;
    private bool headerWritten;
    private bool finished;

    public DeterministicGzipStream(Stream output)
    {
        this.output = output;
        deflater = new DeflaterOutputStream(output, new Deflater(Level, noZlibHeaderOrFooter: true), 64 * 1024) { IsStreamOwner = false };
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !finished;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => inputLength; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureHeader();
        var copy = System.Buffers.ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(copy);
            crc.Update(new ArraySegment<byte>(copy, 0, buffer.Length));
            deflater.Write(copy, 0, buffer.Length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(copy);
        }

        inputLength += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Deflate is CPU work; the synchronous path avoids SharpZipLib's async overhead for many small writes.
        cancellationToken.ThrowIfCancellationRequested();
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Flushes the deflate stream and writes the CRC32/ISIZE trailer.</summary>
    public void Finish()
    {
        if (finished)
        {
            return;
        }

        EnsureHeader();
        deflater.Finish();
        Span<byte> trailer = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(trailer, (uint)crc.Value);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)(inputLength & 0xFFFFFFFF));
        output.Write(trailer);
        finished = true;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            deflater.Dispose();
        }

        base.Dispose(disposing);
    }

    private void EnsureHeader()
    {
        if (!headerWritten)
        {
            output.Write(Header);
            headerWritten = true;
        }
    }
}
