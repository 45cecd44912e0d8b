using System.Diagnostics;
using System.Net.Sockets;
using Kt.PodRuntime.Ipc;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// The worker's frame loop. One thread at a time reads the socket (the reader) and handles frames in socket order. A
/// call that arrives alone runs on the reader itself: the thread the kernel woke for its frame, with no hop to the
/// pool (a pool thread that sleeps costs about 20 µs to wake on a VM, a third of a warm call). So that a call that
/// blocks cannot stall the socket, a standby thread watches: when one call has held the reader across a whole
/// check interval, the standby takes the reading over and the call finishes on its thread. Calls that arrive in a
/// burst (more frames already read behind them) go to the pool and run in parallel, unless calls have been cheap
/// (under 100 µs on the reader, on average): those run one after the other on the reader, and their results leave in
/// one write when the burst is done, as a pool hop would cost more than each call.
/// </summary>
internal sealed class FrameLoop
{
    /// <summary>How often the standby checks on a call running on the reader (so at most about twice this, frames wait).</summary>
    private const int CheckMilliseconds = 1;

    /// <summary>Calls cheaper than this on average run on the reader even in a burst: serially, they cost less than a pool hop each.</summary>
    private static readonly long CheapCallTicks = Stopwatch.Frequency / 10_000; // 100 µs

    /// <summary>Checks with no call on the reader before the standby sleeps until one starts.</summary>
    private const int IdleChecks = 50;

    private readonly FrameChannel _channel;
    private readonly Func<Frame, Action?> _handle;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new(); // Monitor.Wait/Pulse, which System.Threading.Lock has not
    private long _onReader; // 0: the reader runs no call; n: it runs call n
    private long _sequence;
    private bool _standbyParked;
    private long _readerTicks; // how long calls held the reader, a moving average

    [ThreadStatic]
    private static bool t_isFrameThread;

    [ThreadStatic]
    private static bool t_inBurst;

    [ThreadStatic]
    private static FrameLoop? t_readerOf; // the loop whose reader runs a call on this thread, with t_call its number

    [ThreadStatic]
    private static long t_call;

    /// <param name="handle">Handles one frame in socket order; for a call it returns what runs it, for anything else null.</param>
    public FrameLoop(FrameChannel channel, Func<Frame, Action?> handle)
    {
        _channel = channel;
        _handle = handle;
    }

    /// <summary>Whether the current thread is one of the loop's (calls run on it as they do on pool threads).</summary>
    public static bool IsFrameThread => t_isFrameThread;

    /// <summary>
    /// Whether the current call runs on the reader with more frames already read behind it: its result may wait in the
    /// buffer, flushed with the burst's last result or before the reader waits (one write for the burst, not one each).
    /// </summary>
    public static bool InBurst => t_inBurst;

    /// <summary>
    /// Whether the current thread is the reader, running a call that has not been taken over: whatever it sends without
    /// flushing leaves with its result, or with the next reader's flush once the standby takes the reading over.
    /// </summary>
    public static bool HoldsReader => t_readerOf is { } loop && Volatile.Read(ref loop._onReader) == t_call;

    /// <summary>Completes when the socket ends (the server went away).</summary>
    public Task Ended => _ended.Task;

    public void Start()
    {
        StartThread(reader: true);
        StartThread(reader: false);
    }

    private void StartThread(bool reader) =>
        new Thread(() => Run(reader)) { IsBackground = true, Name = reader ? "kt-frames" : "kt-frames-standby" }.Start();

    // A reader reads until the socket ends or another thread takes the reading over during a call on it (that thread
    // then started a new standby); either way it is done. A standby waits to take over, or for the end.
    private void Run(bool reader)
    {
        t_isFrameThread = true;
        if (reader || Standby())
        {
            ReadFrames();
        }
    }

    // As the reader, until the socket ends or the reading is taken over during a call on this thread.
    private void ReadFrames()
    {
        try
        {
            while (true)
            {
                if (!_channel.HasPendingInput)
                {
                    _channel.FlushHeld(); // the burst's results go out before this thread waits for more
                }

                if (_channel.Read() is not { } frame)
                {
                    break;
                }

                if (_handle(frame) is not { } call)
                {
                    continue;
                }

                var burst = _channel.HasPendingInput;
                if (burst && _readerTicks > CheapCallTicks)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static run => run(), call, preferLocal: false);
                    continue;
                }

                var mine = Interlocked.Increment(ref _sequence);
                Interlocked.Exchange(ref _onReader, mine); // a full fence: the standby's parking check sees it
                WakeParkedStandby();
                var started = Stopwatch.GetTimestamp();
                t_inBurst = burst;
                t_readerOf = this;
                t_call = mine;
                call();
                t_readerOf = null;
                t_inBurst = false;
                var tookOver = Interlocked.CompareExchange(ref _onReader, 0, mine) != mine;
                // Calls that block count too (a racy update by a former reader is harmless to an average): after one,
                // bursts go to the pool again.
                _readerTicks += (Stopwatch.GetTimestamp() - started - _readerTicks) / 8;
                if (tookOver)
                {
                    _channel.FlushHeld(); // its result may be held while the new reader already waits
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidDataException or SocketException)
        {
        }

        _ended.TrySetResult();
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }

    // As the standby: true once it has taken the reading over, false when the socket ended.
    private bool Standby()
    {
        var seen = 0L;
        var idle = 0;
        lock (_gate)
        {
            while (!_ended.Task.IsCompleted)
            {
                var current = Volatile.Read(ref _onReader);
                if (current != 0 && current == seen && Interlocked.CompareExchange(ref _onReader, 0, current) == current)
                {
                    // The same call held the reader a whole interval: take over, and leave a standby in this one's place.
                    StartThread(reader: false);
                    return true;
                }

                seen = current;
                idle = current == 0 ? idle + 1 : 0;
                if (idle >= IdleChecks)
                {
                    Volatile.Write(ref _standbyParked, true);
                    Interlocked.MemoryBarrier(); // against the reader's store of _onReader, then its load of this flag
                    if (Volatile.Read(ref _onReader) == 0)
                    {
                        Monitor.Wait(_gate);
                    }

                    Volatile.Write(ref _standbyParked, false);
                    idle = 0;
                    continue;
                }

                Monitor.Wait(_gate, CheckMilliseconds);
            }
        }

        return false;
    }

    // A call starts on the reader after a quiet spell: the parked standby resumes its checks (rare, so the lock is cheap).
    private void WakeParkedStandby()
    {
        if (!Volatile.Read(ref _standbyParked))
        {
            return;
        }

        lock (_gate)
        {
            Monitor.PulseAll(_gate);
        }
    }
}
