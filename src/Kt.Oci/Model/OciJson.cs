using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// The one JSON setting used for OCI documents: compact, nulls omitted, properties in declaration order, no escaping
/// of '+' in media types. Digests are over exact bytes, so documents are serialized once (<see cref="SerializedJson{T}"/>).
/// </summary>
public static class OciJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
        Converters = { new DigestJsonConverter() },
    };

    public static SerializedJson<T> Serialize<T>(T value) => new(value, JsonSerializer.SerializeToUtf8Bytes(value, Options));

    /// <summary>Parses bytes received or read from disk, keeping the bytes (their digest is the document's identity).</summary>
    public static SerializedJson<T> Parse<T>(byte[] bytes, string what)
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(bytes, Options) ?? throw new JsonException("null document");
            return new SerializedJson<T>(value, bytes);
        }
        catch (JsonException e)
        {
            throw new KtException(OciErrors.BadDocument, $"The {what} is not valid OCI JSON: {e.Message}", e);
        }
    }
}

/// <summary>A document together with the exact bytes it was serialized to or parsed from, and their digest.</summary>
public sealed class SerializedJson<T>
{
    private readonly byte[] bytes;

    internal SerializedJson(T value, byte[] bytes)
    {
        Value = value;
        this.bytes = bytes;
        Digest = Digest.Compute(bytes);
    }

    public T Value { get; }

    public ReadOnlyMemory<byte> Bytes => bytes;

    public Digest Digest { get; }

    public long Size => bytes.LongLength;

    public Descriptor ToDescriptor(string mediaType) => new(mediaType, Digest, Size);
}
