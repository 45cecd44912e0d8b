using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Kt.PodRuntime.Observability;

/// <summary>
/// The queue of one live <c>/logs</c> follower, bounded in bytes (<see cref="LogLimits.MaxFollowerBytes"/>), not in
/// records: 10,000 records of 16 Ki characters would be 320 MB. A follower that falls behind loses its oldest lines.
/// </summary>
internal sealed class LogFollower
{
    private readonly Channel<LogHub.LogRecord> _queue = Channel.CreateUnbounded<LogHub.LogRecord>();
    private long _bytes;

    /// <summary>Bytes the queue holds now.</summary>
    public long QueuedBytes => Interlocked.Read(ref _bytes);

    /// <summary>Records waiting to be read.</summary>
    public int Count => _queue.Reader.Count;

    /// <summary>Queues a record (the hub calls this under its lock: one writer at a time), dropping the oldest past the bound.</summary>
    public void Offer(LogHub.LogRecord record)
    {
        _queue.Writer.TryWrite(record);
        Interlocked.Add(ref _bytes, LogLimits.CostOf(record.Line));
        while (Interlocked.Read(ref _bytes) > LogLimits.MaxFollowerBytes && _queue.Reader.TryRead(out var oldest))
        {
            Interlocked.Add(ref _bytes, -LogLimits.CostOf(oldest.Line));
        }
    }

    public async IAsyncEnumerable<LogHub.LogRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var record in _queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            Interlocked.Add(ref _bytes, -LogLimits.CostOf(record.Line));
            yield return record;
        }
    }
}
