using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace Kt.PodRuntime.Ipc;

/// <summary>
/// A duplex frame transport over a stream. Reads come from one reader loop. Writes are queued and drained by
/// whichever sender finds the write lock free: an uncontended send is written and flushed on the caller's thread
/// (no thread hop on the hot call path), and under contention one drainer writes a whole burst with one flush.
/// </summary>
internal sealed class FrameChannel : IAsyncDisposable
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly ConcurrentQueue<Frame> _outgoing = new();
    private readonly Lock _writeLock = new();
    private readonly byte[] _prefix = new byte[Frame.PrefixSize];
    private readonly byte[] _writePrefix = new byte[Frame.PrefixSize];
    private volatile bool _broken;

    /// <param name="input">Read side (only <see cref="ReadAsync"/> touches it).</param>
    /// <param name="output">Write side; may be a buffered view of the same socket.</param>
    public FrameChannel(Stream input, Stream output)
    {
        _input = input;
        _output = output;
    }

    public void Send(FrameKind kind, long id, ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload = default)
    {
        if (_broken)
        {
            return;
        }

        _outgoing.Enqueue(new Frame(kind, id, header, payload));
        Drain();
    }

    private void Drain()
    {
        while (!_outgoing.IsEmpty)
        {
            if (!_writeLock.TryEnter())
            {
                return; // the holder drains what we queued (it re-checks the queue after releasing)
            }

            try
            {
                var wrote = false;
                while (_outgoing.TryDequeue(out var frame))
                {
                    Write(frame);
                    wrote = true;
                }

                if (wrote)
                {
                    _output.Flush();
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
        BinaryPrimitives.WriteInt32LittleEndian(_writePrefix, Frame.PrefixSize - 4 + frame.Header.Length + frame.Payload.Length);
        _writePrefix[4] = (byte)frame.Kind;
        BinaryPrimitives.WriteInt64LittleEndian(_writePrefix.AsSpan(5), frame.Id);
        BinaryPrimitives.WriteInt32LittleEndian(_writePrefix.AsSpan(13), frame.Header.Length);
        _output.Write(_writePrefix);
        _output.Write(frame.Header.Span);
        _output.Write(frame.Payload.Span);
    }

    /// <summary>Reads the next frame; null at end of stream.</summary>
    public async ValueTask<Frame?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await ReadExactlyOrEndAsync(_prefix, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(_prefix);
        var kind = (FrameKind)_prefix[4];
        var id = BinaryPrimitives.ReadInt64LittleEndian(_prefix.AsSpan(5));
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(_prefix.AsSpan(13));
        var bodyLength = length - (Frame.PrefixSize - 4);
        if (length < Frame.PrefixSize - 4 || length > Frame.MaxFrameBytes || headerLength < 0 || headerLength > bodyLength)
        {
            throw new InvalidDataException("Corrupted frame on the worker socket.");
        }

        var body = new byte[bodyLength];
        await _input.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return new Frame(kind, id, body.AsMemory(0, headerLength), body.AsMemory(headerLength));
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await _input.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (read == 0)
                {
                    return false;
                }

                throw new EndOfStreamException("The worker socket closed in the middle of a frame.");
            }

            read += n;
        }

        return true;
    }

    public async ValueTask DisposeAsync()
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

        await _input.DisposeAsync().ConfigureAwait(false);
    }
}
