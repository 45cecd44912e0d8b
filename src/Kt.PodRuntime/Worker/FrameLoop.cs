using System.Net.Sockets;
using Kt.PodRuntime.Ipc;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// The worker's frame loop. One thread at a time reads the socket (the reader) and handles frames in socket order. A
/// call that arrives alone runs on the reader itself: the thread the kernel woke for its frame, with no hop to the
/// pool (a pool thread that sleeps costs about 20 µs to wake on a VM, a third of a warm call). So that a call that
/// blocks cannot stall the socket, a standby thread watches: when one call has held the reader across a whole
/// check interval, the standby takes the reading over and the call finishes on its thread. Calls that arrive while
/// others are already buffered go to the pool, so bursts run in parallel.
/// </summary>
internal sealed class FrameLoop
{
    /// <summary>How often the standby checks on a call running on the reader (so at most about twice this, frames wait).</summary>
    private const int CheckMilliseconds = 1;

    /// <summary>Checks with no call on the reader before the standby sleeps until one starts.</summary>
    private const int IdleChecks = 50;

    private readonly FrameChannel _channel;
    private readonly Func<Frame, Action?> _handle;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new(); // Monitor.Wait/Pulse, which System.Threading.Lock has not
    private long _onReader; // 0: the reader runs no call; n: it runs call n
    private long _sequence;
    private bool _standbyParked;

    [ThreadStatic]
    private static bool t_isFrameThread;

    /// <param name="handle">Handles one frame in socket order; for a call it returns what runs it, for anything else null.</param>
    public FrameLoop(FrameChannel channel, Func<Frame, Action?> handle)
    {
        _channel = channel;
        _handle = handle;
    }

    /// <summary>Whether the current thread is one of the loop's (calls run on it as they do on pool threads).</summary>
    public static bool IsFrameThread => t_isFrameThread;

    /// <summary>Completes when the socket ends (the server went away).</summary>
    public Task Ended => _ended.Task;

    public void Start()
    {
        StartThread(reader: true);
        StartThread(reader: false);
    }

    private void StartThread(bool reader) =>
        new Thread(() => Run(reader)) { IsBackground = true, Name = reader ? "kt-frames" : "kt-frames-standby" }.Start();

    private void Run(bool reader)
    {
        t_isFrameThread = true;
        while (!_ended.Task.IsCompleted)
        {
            if (!reader && !Standby())
            {
                return;
            }

            // Either the socket ended, or another thread took the reading over while this one ran a call (and
            // started a new standby then): either way this thread is done.
            ReadFrames();
            return;
        }
    }

    // As the reader, until the socket ends or the reading is taken over during a call on this thread.
    private void ReadFrames()
    {
        try
        {
            while (_channel.Read() is { } frame)
            {
                if (_handle(frame) is not { } call)
                {
                    continue;
                }

                if (_channel.HasPendingInput)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(static run => run(), call, preferLocal: false);
                    continue;
                }

                var mine = Interlocked.Increment(ref _sequence);
                Interlocked.Exchange(ref _onReader, mine); // a full fence: the standby's parking check sees it
                WakeParkedStandby();
                call();
                if (Interlocked.CompareExchange(ref _onReader, 0, mine) != mine)
                {
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
