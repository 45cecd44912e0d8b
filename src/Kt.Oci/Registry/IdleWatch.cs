namespace Kt.Oci;

/// <summary>
/// Bounds the time a registry request may go without progress: a token that cancels once nothing moved for the idle
/// time (bytes of a request body read for sending reset it). A registry that accepts the connection and never answers
/// then fails in seconds, not at the whole-request timeout.
/// </summary>
internal sealed class IdleWatch : IDisposable
{
    private static readonly AsyncLocal<IdleWatch?> CurrentWatch = new();
    private readonly CancellationTokenSource _source;
    private readonly TimeSpan _idle;

    public IdleWatch(TimeSpan idle, CancellationToken outer)
    {
        _idle = idle;
        _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
        _source.CancelAfter(idle);
        CurrentWatch.Value = this;
    }

    /// <summary>The watch of the request this async flow sends (a body stream being sent touches it).</summary>
    public static IdleWatch? Current => CurrentWatch.Value;

    public CancellationToken Token => _source.Token;

    /// <summary>True when the idle time ran out (not the caller's cancellation).</summary>
    public bool Expired { get; private set; }

    public void Touch()
    {
        try
        {
            _source.CancelAfter(_idle);
        }
        catch (ObjectDisposedException)
        {
            // the request is over; late reads of its body do not matter
        }
    }

    /// <summary>Marks expiry when the token fired without the caller asking (call after a cancellation).</summary>
    public bool CheckExpired(CancellationToken outer) => Expired = _source.IsCancellationRequested && !outer.IsCancellationRequested;

    public void Dispose()
    {
        if (ReferenceEquals(CurrentWatch.Value, this))
        {
            CurrentWatch.Value = null;
        }

        _source.Dispose();
    }
}
