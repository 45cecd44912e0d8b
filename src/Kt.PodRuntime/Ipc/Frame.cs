namespace Kt.PodRuntime.Ipc;

/// <summary>
/// One message on the worker socket: <c>[int32 length][byte kind][int64 id][int32 header length][header JSON][payload]</c>.
/// The payload carries call bodies and results as raw JSON so they are never re-encoded on the way through.
/// </summary>
internal readonly record struct Frame(FrameKind Kind, long Id, ReadOnlyMemory<byte> Header, ReadOnlyMemory<byte> Payload)
{
    public const int PrefixSize = 4 + 1 + 8 + 4;

    /// <summary>Upper bound of one frame (protects both sides from a corrupted length).</summary>
    public const int MaxFrameBytes = 512 << 20;
}
