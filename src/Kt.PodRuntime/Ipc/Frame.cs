using System.Buffers.Binary;

namespace Kt.PodRuntime.Ipc;

/// <summary>
/// One message on the worker socket: <c>[int32 length][byte kind][int64 id][int32 header length][header][payload]</c>,
/// the length counting what follows it. Its prefix is written and read here only.
/// The payload carries call bodies and results as raw JSON so they are never re-encoded on the way through.
/// </summary>
internal readonly record struct Frame(FrameKind Kind, long Id, ReadOnlyMemory<byte> Header, ReadOnlyMemory<byte> Payload)
{
    public const int PrefixSize = 4 + 1 + 8 + 4;

    /// <summary>Upper bound of one frame (protects both sides from a corrupted length).</summary>
    public const int MaxFrameBytes = 512 << 20;

    /// <summary>Writes this frame's prefix into <paramref name="prefix"/> (<see cref="PrefixSize"/> bytes).</summary>
    public void WritePrefix(Span<byte> prefix)
    {
        BinaryPrimitives.WriteInt32LittleEndian(prefix, PrefixSize - 4 + Header.Length + Payload.Length);
        prefix[4] = (byte)Kind;
        BinaryPrimitives.WriteInt64LittleEndian(prefix[5..], Id);
        BinaryPrimitives.WriteInt32LittleEndian(prefix[13..], Header.Length);
    }

    /// <summary>Reads a prefix: the frame's kind and id, and how many header and body (header + payload) bytes follow.</summary>
    /// <exception cref="InvalidDataException">The prefix cannot start a frame (a corrupted stream).</exception>
    public static (FrameKind Kind, long Id, int HeaderLength, int BodyLength) ReadPrefix(ReadOnlySpan<byte> prefix)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(prefix);
        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(prefix[13..]);
        var bodyLength = length - (PrefixSize - 4);
        if (length < PrefixSize - 4 || length > MaxFrameBytes || headerLength < 0 || headerLength > bodyLength)
        {
            throw new InvalidDataException("Corrupted frame on the worker socket.");
        }

        return ((FrameKind)prefix[4], BinaryPrimitives.ReadInt64LittleEndian(prefix[5..]), headerLength, bodyLength);
    }
}
