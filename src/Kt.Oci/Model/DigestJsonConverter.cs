using System.Text.Json;
using System.Text.Json.Serialization;
using Kt.Core;

namespace Kt.Oci;

/// <summary>Reads and writes <see cref="Digest"/> as its <c>sha256:…</c> string.</summary>
internal sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return Digest.TryParse(text, out var digest)
            ? digest
            : throw new KtException(OciErrors.BadDocument, $"Unsupported or malformed digest '{text}' in OCI JSON (only sha256 is supported).");
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}
