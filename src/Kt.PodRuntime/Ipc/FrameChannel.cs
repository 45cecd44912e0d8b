using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Kt.PodRuntime.Ipc;

/// <summary>
/// A duplex frame transport over a connected socket. Reads come from one reader thread at a time (<see cref="FrameReader"/>).
/// Writes are queued and drained by whichever sender finds the write lock free: an uncontended send is written and
/// flushed on the caller's thread (no thread hop on the hot call path), and under contention one drainer writes a
/// whole burst with one flush.
/// </summary>
internal sealed class FrameChannel : IDisposable
{
    private readonly Socket _socket;
    private readonly FrameReader _reader;
    private readonly Stream _output;
    private readonly ConcurrentQueue<Frame> _outgoing = new();
    private readonly Lock _writeLock = new();
    private readonly byte[] _writePrefix = new byte[Frame.PrefixSize];
    private volatile bool _broken;
    private int _flushRequested;
    private bool _held; // frames written to the buffer and not yet flushed (under the write lock)

    /// <param name="socket">A connected socket, owned from here on, on which no async operation was ever started.</param>
    public FrameChannel(Socket socket)
    {
        _socket = socket;
        _reader = new FrameReader(socket);
        _output = new BufferedStream(new NetworkStream(socket, ownsSocket: false), 64 * 1024);
    }

    /// <param name="flush">
    /// False: the frame may wait in the buffer for the next flush (a burst's results go out in one write); whoever
    /// sends with flush, or <see cref="FlushHeld"/>, sends it.
    /// </param>
    public void Send(FrameKind kind, long id, ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload = default, bool flush = true)
    {
        if (_broken)
        {
            return;
        }

        if (flush)
        {
            Volatile.Write(ref _flushRequested, 1); // before the frame is queued: whoever writes it then flushes
        }

        _outgoing.Enqueue(new Frame(kind, id, header, payload));
        Drain();
    }

    /// <summary>Sends what earlier sends left in the buffer (the reader calls this before it waits for input).</summary>
    public void FlushHeld()
    {
        if (Volatile.Read(ref _held))
        {
            Volatile.Write(ref _flushRequested, 1);
            Drain(force: true);
        }
    }

    private void Drain(bool force = false)
    {
        while (force || !_outgoing.IsEmpty)
        {
            force = false;
            if (!_writeLock.TryEnter())
            {
                return; // the holder drains what we queued (it re-checks the queue after releasing)
            }

            try
            {
                while (_outgoing.TryDequeue(out var frame))
                {
                    Write(frame);
                    _held = true;
                }

                if (_held && Interlocked.Exchange(ref _flushRequested, 0) == 1)
                {
                    _output.Flush();
                    _held = false;
                    _reader.NoteActivity();
                }
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or NotSupportedException)
            {
                _broken = true; // the peer went away; the reader side reports it
                _outgoing.Clear();
            }
            finally
            {
                _writeLock.Exit();
            }
        }
    }

    private void Write(Frame frame)
    {
        frame.WritePrefix(_writePrefix);
        _output.Write(_writePrefix);
        _output.Write(frame.Header.Span);
        _output.Write(frame.Payload.Span);
    }

    /// <summary>
    /// Reads the next frame, blocking its thread; null at end of stream. Each end reads on a thread of its own with
    /// blocking socket reads: the kernel then wakes the reader itself, where an async read would wake the socket
    /// engine's thread first and a pool thread after it (two context switches per frame, the cost that dominates a
    /// warm call on a small machine). The socket must never have seen an async operation, which would make it
    /// non-blocking for good and route these reads through the engine again.
    /// </summary>
    public Frame? Read() => _reader.Read();

    /// <summary>Whether more frames are already waiting to be read (on the reading thread only).</summary>
    public bool HasPendingInput => _reader.HasPendingInput;

    public void Dispose()
    {
        _broken = true;
        lock (_writeLock)
        {
            try
            {
                _output.Dispose();
            }
            catch (IOException)
            {
            }
        }

        _socket.Dispose();
    }
}
