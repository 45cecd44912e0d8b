using System.Buffers.Binary;
using System.Threading.Channels;

namespace Kt.PodRuntime.Ipc;

/// <summary>
/// A duplex frame transport over a stream: one reader (the caller of <see cref="ReadAsync"/>) and a single writer loop
/// fed by a channel, so concurrent senders never interleave bytes and bursts are flushed together.
/// </summary>
internal sealed class FrameChannel : IAsyncDisposable
{
    private readonly Stream _input;
    private readonly Stream _output;
    private readonly Channel<Frame> _outgoing = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writerLoop;
    private readonly byte[] _prefix = new byte[Frame.PrefixSize];

    /// <param name="input">Read side (only <see cref="ReadAsync"/> touches it).</param>
    /// <param name="output">Write side (only the writer loop touches it); may be a buffered view of the same socket.</param>
    public FrameChannel(Stream input, Stream output)
    {
        _input = input;
        _output = output;
        _writerLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Completes when the writer stops (the peer went away or the channel was disposed).</summary>
    public Task Completion => _writerLoop;

    public bool TrySend(Frame frame) => _outgoing.Writer.TryWrite(frame);

    public void Send(FrameKind kind, long id, ReadOnlyMemory<byte> header, ReadOnlyMemory<byte> payload = default) =>
        _outgoing.Writer.TryWrite(new Frame(kind, id, header, payload));

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

    private async Task WriteLoopAsync()
    {
        var reader = _outgoing.Reader;
        var prefix = new byte[Frame.PrefixSize];
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    BinaryPrimitives.WriteInt32LittleEndian(prefix, Frame.PrefixSize - 4 + frame.Header.Length + frame.Payload.Length);
                    prefix[4] = (byte)frame.Kind;
                    BinaryPrimitives.WriteInt64LittleEndian(prefix.AsSpan(5), frame.Id);
                    BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(13), frame.Header.Length);
                    await _output.WriteAsync(prefix).ConfigureAwait(false);
                    if (!frame.Header.IsEmpty)
                    {
                        await _output.WriteAsync(frame.Header).ConfigureAwait(false);
                    }

                    if (!frame.Payload.IsEmpty)
                    {
                        await _output.WriteAsync(frame.Payload).ConfigureAwait(false);
                    }
                }

                // Flush once per burst: many small frames, one syscall when the stream is buffered.
                await _output.FlushAsync().ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // The peer went away; the reader side reports it.
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        try
        {
            await _writerLoop.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        await _output.DisposeAsync().ConfigureAwait(false);
        await _input.DisposeAsync().ConfigureAwait(false);
    }
}
