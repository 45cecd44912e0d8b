using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// A response body whose every read is bounded by the idle time: a registry that sends headers and then stalls in
/// the body fails in seconds (<see cref="RegistryBodyStalledException"/>), not at the whole-request timeout. Owns the
/// inner stream (and the response behind it).
/// </summary>
internal sealed class IdleReadStream(Stream inner, TimeSpan idle, IDisposable owner) : ReadOnlyStreamBase
{
    public override int Read(Span<byte> buffer)
    {
        var rented = new byte[buffer.Length];
        var count = ReadAsync(rented).AsTask().GetAwaiter().GetResult();
        rented.AsSpan(0, count).CopyTo(buffer);
        return count;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(idle);
        try
        {
            return await inner.ReadAsync(buffer, bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RegistryBodyStalledException(idle, e);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
            owner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>No byte of a response body arrived for the idle time (an <see cref="IOException"/>: the transfer broke off).</summary>
internal sealed class RegistryBodyStalledException(TimeSpan idle, Exception inner)
    : IOException($"sent nothing for {idle.TotalSeconds:0.#} s in the middle of a response body", inner);
