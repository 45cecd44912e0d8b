using Kt.PodRuntime.Supervision;

namespace Kt.PodRuntime.Observability;

/// <summary>
/// Recent call output, kept in a ring bounded in lines and in bytes (<see cref="LogLimits"/>) so that a follower that
/// subscribes slightly after a call started still sees its first lines; live followers receive new lines through their
/// own channel.
/// </summary>
public sealed class LogHub
{
    private const int Capacity = 20_000;
    private readonly Queue<LogRecord> _recent = new();
    private readonly List<LogFollower> _followers = [];
    private readonly Lock _lock = new();
    private long _sequence;
    private long _retainedBytes;

    /// <summary>One line with its position; an <see cref="End"/> record marks that a request finished.</summary>
    public sealed record LogRecord(long Sequence, string RequestId, string Stream, string Line, bool End = false);

    public void Publish(CallLogLine line) => Add(line.RequestId, line.Stream, line.Line, end: false);

    public void EndOfRequest(string requestId) => Add(requestId, "end", string.Empty, end: true);

    private void Add(string requestId, string stream, string line, bool end)
    {
        lock (_lock)
        {
            var record = new LogRecord(++_sequence, requestId, stream, LogLimits.Truncate(line), end);
            _recent.Enqueue(record);
            _retainedBytes += LogLimits.CostOf(record.Line);
            while (_recent.Count > Capacity || (_retainedBytes > LogLimits.MaxRetainedBytes && _recent.Count > 1))
            {
                _retainedBytes -= LogLimits.CostOf(_recent.Dequeue().Line);
            }

            foreach (var follower in _followers)
            {
                follower.Offer(record);
            }
        }
    }

    /// <summary>Returns the retained lines (optionally of one request) and, when following, a reader of new ones.</summary>
    internal (IReadOnlyList<LogRecord> History, LogFollower? Live, Action Unsubscribe) Subscribe(string? requestId, bool follow)
    {
        lock (_lock)
        {
            var history = _recent.Where(r => requestId is null || r.RequestId == requestId).ToList();
            if (!follow)
            {
                return (history, null, static () => { });
            }

            var follower = new LogFollower();
            _followers.Add(follower);
            return (history, follower, () =>
            {
                lock (_lock)
                {
                    _followers.Remove(follower);
                }
            });
        }
    }
}
