using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Kt.PodRuntime.Ipc;

/// <summary>
/// The binary form of the headers every call carries (<see cref="CallHeader"/>, <see cref="ResultHeader"/>,
/// <see cref="LogHeader"/>): length-prefixed UTF-8 fields in a fixed order. Control frames (load, hello, unload
/// reports) are rare and stay JSON (<see cref="IpcJson"/>); these are encoded and decoded on every call, where the JSON
/// serializer's object-with-constructor path was a measurable part of a warm call.
/// </summary>
internal static class CallHeaders
{
    // A fifth field, "1", says the caller takes a stream result item by item (PodRoutes.StreamHeader); a sixth carries
    // the W3C traceparent of the runtime's span when tracing is on. Trailing fields that say nothing are left out: the
    // header of a plain untraced call is what it was before either existed.
    public static byte[] Encode(CallHeader header) => header switch
    {
        { TraceParent: { } trace } => Write(header.Kind.WireName(), header.Type, header.Method, header.RequestId, header.Items ? "1" : null, trace),
        { Items: true } => Write(header.Kind.WireName(), header.Type, header.Method, header.RequestId, "1"),
        _ => Write(header.Kind.WireName(), header.Type, header.Method, header.RequestId),
    };

    public static CallHeader DecodeCall(ReadOnlyMemory<byte> bytes)
    {
        var reader = new FieldReader(bytes.Span);
        var kind = CallKinds.Parse(reader.String());
        var type = reader.String()!;
        var method = reader.String()!;
        var requestId = reader.String()!;
        var items = reader.HasMore && reader.String() == "1";
        var traceParent = reader.HasMore ? reader.String() : null;
        return new CallHeader(kind, type, method, requestId, items, traceParent);
    }

    public static byte[] Encode(LogHeader header) => Write(header.RequestId, header.Stream, header.Line);

    public static LogHeader DecodeLog(ReadOnlyMemory<byte> bytes)
    {
        var reader = new FieldReader(bytes.Span);
        return new LogHeader(reader.String()!, reader.String()!, reader.String()!);
    }

    /// <summary>Success: "1" and the version. Failure: "0", the version, then the error envelope as JSON.</summary>
    public static byte[] Encode(ResultHeader header)
    {
        var error = header.Error is { } envelope ? JsonSerializer.Serialize(envelope, IpcJson.Default.ErrorEnvelope) : null;
        return Write(header.Ok ? "1" : "0", header.Version, error);
    }

    public static ResultHeader DecodeResult(ReadOnlyMemory<byte> bytes)
    {
        var reader = new FieldReader(bytes.Span);
        var ok = reader.String() == "1";
        var version = reader.String();
        var error = reader.String() is { } json ? JsonSerializer.Deserialize(json, IpcJson.Default.ErrorEnvelope) : null;
        return new ResultHeader(ok, error, version);
    }

    private static byte[] Write(params ReadOnlySpan<string?> fields)
    {
        var size = 0;
        foreach (var field in fields)
        {
            size += 4 + (field is null ? 0 : Encoding.UTF8.GetByteCount(field));
        }

        var bytes = new byte[size];
        var at = 0;
        foreach (var field in fields)
        {
            if (field is null)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), -1);
                at += 4;
                continue;
            }

            var written = Encoding.UTF8.GetBytes(field, bytes.AsSpan(at + 4));
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), written);
            at += 4 + written;
        }

        return bytes;
    }

    private ref struct FieldReader(ReadOnlySpan<byte> bytes)
    {
        private ReadOnlySpan<byte> _rest = bytes;

        public readonly bool HasMore => !_rest.IsEmpty;

        public string? String()
        {
            if (_rest.Length < 4)
            {
                throw new InvalidDataException("Truncated call header on the worker socket.");
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(_rest);
            _rest = _rest[4..];
            if (length == -1)
            {
                return null;
            }

            if (length < 0 || length > _rest.Length)
            {
                throw new InvalidDataException("Corrupted call header on the worker socket.");
            }

            var value = Encoding.UTF8.GetString(_rest[..length]);
            _rest = _rest[length..];
            return value;
        }
    }
}
