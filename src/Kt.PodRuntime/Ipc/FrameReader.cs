using System.Diagnostics;
using System.Net.Sockets;

namespace Kt.PodRuntime.Ipc;

/// <summary>
/// Reads frames from a blocking socket into one buffer, on one thread at a time. Before it blocks, a reader whose
/// socket has just carried a frame either way polls the socket for a short while: the answer to a call comes within
/// tens of microseconds, and waking a thread that sleeps in the kernel costs about as much on a virtual machine (a
/// blocking round trip between two processes measured 46–56 µs on the CI machine, a polling one 8 µs). The .NET
/// thread pool spins for the same reason. A reader that polls yields its core to any thread that can run, and an
/// idle socket costs nothing.
/// </summary>
internal sealed class FrameReader
{
    /// <summary>How long a reader polls after the last frame (read or sent) before it sleeps in the kernel.</summary>
    internal static readonly TimeSpan PollAfterFrame = TimeSpan.FromMicroseconds(300);

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private long _lastActivity;

    public FrameReader(Socket socket) => _socket = socket;

    /// <summary>The next frame; null at end of stream.</summary>
    public Frame? Read()
    {
        if (!FillPrefix())
        {
            return null;
        }

        var (kind, id, headerLength, bodyLength) = Frame.ReadPrefix(_buffer.AsSpan(_start, Frame.PrefixSize));
        _start += Frame.PrefixSize;
        var body = new byte[bodyLength];
        var copied = Math.Min(bodyLength, _end - _start);
        _buffer.AsSpan(_start, copied).CopyTo(body);
        _start += copied;
        for (var filled = copied; filled < bodyLength;)
        {
            // A body larger than what is buffered is received straight into its own array.
            var n = _socket.Receive(body, filled, bodyLength - filled, SocketFlags.None);
            if (n == 0)
            {
                throw new EndOfStreamException("The worker socket closed in the middle of a frame.");
            }

            filled += n;
        }

        NoteActivity();
        return new Frame(kind, id, body.AsMemory(0, headerLength), body.AsMemory(headerLength));
    }

    // Makes a whole prefix available at _start; false at a clean end of stream (nothing buffered).
    private bool FillPrefix()
    {
        while (_end - _start < Frame.PrefixSize)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            if (_end == 0)
            {
                PollBriefly();
            }

            var n = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
            if (n == 0)
            {
                if (_end == 0)
                {
                    return false;
                }

                throw new EndOfStreamException("The worker socket closed in the middle of a frame.");
            }

            _end += n;
        }

        return true;
    }

    /// <summary>Whether the bytes read with the last frame hold more (a burst): no system call to find out.</summary>
    public bool HasPendingInput => _end > _start;

    /// <summary>A frame went out: its answer is due soon, so the reader polls for it (any thread may call this).</summary>
    public void NoteActivity() => Volatile.Write(ref _lastActivity, Stopwatch.GetTimestamp());

    private void PollBriefly()
    {
        while (_socket.Available == 0 && Stopwatch.GetElapsedTime(Volatile.Read(ref _lastActivity)) < PollAfterFrame)
        {
            Thread.Yield();
        }
    }
}
