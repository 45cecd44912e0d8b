using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Hosting;

/// <summary>
/// The request body bytes all requests together may hold in memory (issue 22: six concurrent 63 MiB bodies took the
/// server to a gigabyte, and it stayed there). A body reserves its declared length before it is read; one that does not
/// fit waits for room (bounded), then is refused with KT4045. A body with no declared length reserves as it grows and is
/// refused at once when the budget is spent, since two such bodies waiting for each other would never finish.
/// When a large body is released and no other can be in flight, the server collects and returns its heap to the
/// system, so the memory comes back after a burst of large requests instead of staying reserved by the GC.
/// </summary>
internal sealed class BodyBudget(long capacity, TimeSpan wait)
{
    /// <summary>Bodies from this size count as large: their release may give memory back to the system.</summary>
    private const long Large = 16L << 20;

    private readonly long _capacity = Math.Max(1, capacity);
    private long _used;
    private long _largeGarbage; // bytes of large bodies released since the last collection
    private int _waiters;
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Reserves <paramref name="bytes"/> (a body as large as the whole budget runs alone), waiting for room.</summary>
    public async ValueTask<Lease> ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        bytes = Math.Min(bytes, _capacity);
        if (TryTake(bytes))
        {
            return Granted(bytes);
        }

        Interlocked.Increment(ref _waiters);
        try
        {
            var until = DateTime.UtcNow + wait;
            while (true)
            {
                var released = Volatile.Read(ref _released);
                if (TryTake(bytes))
                {
                    return Granted(bytes);
                }

                var left = until - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw Refusal(bytes);
                }

                try
                {
                    await released.Task.WaitAsync(left, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    throw Refusal(bytes);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiters);
        }
    }

    // A large body is about to be allocated while large bodies released earlier may still be garbage on the large object
    // heap, which only a full collection frees: collected first, the new array reuses their memory (without this, six
    // 63 MiB bodies through a two-body budget still took the server to 400 MiB).
    private Lease Granted(long bytes)
    {
        if (bytes >= Large && Interlocked.Read(ref _largeGarbage) >= Large)
        {
            Interlocked.Exchange(ref _largeGarbage, 0);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
        }

        return new Lease(this, bytes);
    }

    /// <summary>Grows a reservation without waiting (a body of undeclared length); false when the budget is spent.</summary>
    public bool TryGrow(ref Lease lease, long more)
    {
        if (!TryTake(more))
        {
            return false;
        }

        lease = new Lease(this, lease.Bytes + more);
        return true;
    }

    public RuntimeError Refusal(long bytes) => new(RuntimeErrorCodes.BodiesInFlight, 503,
        $"The pod holds {_capacity >> 20} MiB of request bodies at most (--max-body-bytes-in-flight) and no room for this one ({bytes} bytes) came free in {wait.TotalSeconds:0} s; retry later.");

    private bool TryTake(long bytes)
    {
        if (Interlocked.Add(ref _used, bytes) <= _capacity)
        {
            return true;
        }

        Interlocked.Add(ref _used, -bytes);
        return false;
    }

    private void Release(long bytes)
    {
        var left = Interlocked.Add(ref _used, -bytes);
        if (bytes >= Large)
        {
            Interlocked.Add(ref _largeGarbage, bytes);
        }

        if (Volatile.Read(ref _waiters) > 0)
        {
            Interlocked.Exchange(ref _released, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        if (bytes >= Large && left < Large)
        {
            _ = GiveBackAsync();
        }
    }

    // The bodies were large-object-heap arrays, which the GC keeps committed: a compacting collection that decommits hands
    // their pages back (a few milliseconds on this server's small heap, and only after large bodies). A moment later,
    // once the request that released its lease has ended and no longer references its array.
    private async Task GiveBackAsync()
    {
        await Task.Delay(GiveBackDelay).ConfigureAwait(false);
        if (Volatile.Read(ref _used) < Large)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
    }

    private static readonly TimeSpan GiveBackDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>A reservation; disposing it gives the bytes back.</summary>
    public readonly struct Lease(BodyBudget? owner, long bytes) : IDisposable
    {
        public long Bytes => bytes;

        public void Dispose() => owner?.Release(bytes);
    }
}
