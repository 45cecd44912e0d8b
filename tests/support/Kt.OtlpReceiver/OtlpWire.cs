using Google.Protobuf;

namespace Kt.OtlpReceiver;

/// <summary>
/// One protobuf field as read off the wire: its number and either its varint / fixed value or its length-delimited
/// bytes (a nested message, a string, bytes). The OTLP messages the receiver reads are walked field by field with
/// this, following the field numbers of opentelemetry-proto (common/v1, resource/v1, trace/v1, logs/v1, metrics/v1).
/// </summary>
internal readonly record struct WireField(int Number, ulong Scalar, ByteString? Bytes)
{
    public string Text => Bytes?.ToStringUtf8() ?? "";

    public string Hex => Bytes is { } bytes ? Convert.ToHexString(bytes.Span).ToLowerInvariant() : "";

    public static IEnumerable<WireField> Read(ByteString message)
    {
        var input = message.CreateCodedInput();
        var fields = new List<WireField>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            var number = WireFormat.GetTagFieldNumber(tag);
            switch (WireFormat.GetTagWireType(tag))
            {
                case WireFormat.WireType.Varint:
                    fields.Add(new WireField(number, input.ReadUInt64(), null));
                    break;
                case WireFormat.WireType.Fixed64:
                    fields.Add(new WireField(number, input.ReadFixed64(), null));
                    break;
                case WireFormat.WireType.Fixed32:
                    fields.Add(new WireField(number, input.ReadFixed32(), null));
                    break;
                case WireFormat.WireType.LengthDelimited:
                    fields.Add(new WireField(number, 0, input.ReadBytes()));
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return fields;
    }
}
