using Kt.Core;

namespace Kt.Docker;

/// <summary>
/// Read-only pass-through that answers zero-length reads itself. Docker.DotNet.Enhanced 4.3.3's chunked response
/// stream throws EndOfStreamException on a zero-length read, and <see cref="System.Formats.Tar.TarReader"/> issues
/// such reads when it skips an entry's padding, so a docker save stream cannot be read as tar without this guard.
/// </summary>
internal sealed class ZeroLengthReadGuardStream(Stream inner) : ReadOnlyStreamBase
{
    public override int Read(Span<byte> buffer) => buffer.IsEmpty ? 0 : inner.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        buffer.IsEmpty ? ValueTask.FromResult(0) : inner.ReadAsync(buffer, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
