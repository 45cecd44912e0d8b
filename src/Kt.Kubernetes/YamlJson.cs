using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Kt.Kubernetes;

/// <summary>
/// Reads YAML into <see cref="JsonNode"/>s with YAML 1.2 core-schema scalars: plain <c>true</c>/<c>false</c>,
/// <c>null</c>/<c>~</c>, integers and floats are typed; quoted scalars are always strings. Used for
/// bring-your-own manifests and for CRD schema files.
/// </summary>
public static partial class YamlJson
{
    /// <summary>Every document of <paramref name="yaml"/>, in order (empty documents are skipped).</summary>
    public static IReadOnlyList<JsonNode?> ParseAll(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Where(d => d.RootNode is not YamlScalarNode { Value: null or "" }).Select(d => Convert(d.RootNode)).ToList();
    }

    /// <summary>The single document of <paramref name="yaml"/>; throws when there is not exactly one.</summary>
    public static JsonNode? ParseSingle(string yaml)
    {
        var documents = ParseAll(yaml);
        return documents.Count == 1
            ? documents[0]
            : throw new Core.KtException("KT5011", $"Expected exactly one YAML document, found {documents.Count}.");
    }

    /// <summary>
    /// Writes JSON documents as one multi-document YAML stream (as <c>kubectl apply -f</c> reads it). Strings that a
    /// YAML reader would take for another type (<c>"true"</c>, <c>"32300"</c>, <c>""</c>) are quoted.
    /// </summary>
    public static string WriteAll(IEnumerable<JsonNode> documents)
    {
        var text = new StringBuilder();
        foreach (var document in documents)
        {
            var stream = new YamlStream(new YamlDocument(ToYaml(document)));
            using var writer = new StringWriter(CultureInfo.InvariantCulture);
            stream.Save(writer, assignAnchors: false);
            text.Append("---\n").Append(writer.ToString().Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd().TrimEnd('.').TrimEnd()).Append('\n');
        }

        return text.ToString();
    }

    private static YamlNode ToYaml(JsonNode? node) => node switch
    {
        JsonObject map => new YamlMappingNode(map.Select(p => new KeyValuePair<YamlNode, YamlNode>(new YamlScalarNode(p.Key), ToYaml(p.Value)))),
        JsonArray array => new YamlSequenceNode(array.Select(ToYaml)),
        null => new YamlScalarNode("null"),
        JsonValue value when value.TryGetValue<string>(out var text) => new YamlScalarNode(text)
        {
            Style = ConvertScalar(new YamlScalarNode(text) { Style = ScalarStyle.Plain }) is JsonValue parsed && parsed.TryGetValue<string>(out var back) && back == text
                && !text.Contains('\n', StringComparison.Ordinal) && text.Trim() == text && text.Length > 0 && !text.StartsWith('*') && !text.StartsWith('&')
                ? ScalarStyle.Any
                : ScalarStyle.DoubleQuoted,
        },
        JsonValue value => new YamlScalarNode(value.ToJsonString()),
        _ => throw new Core.KtException("KT5011", $"Cannot write {node.GetValueKind()} as YAML."),
    };

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => ConvertMap(map),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new Core.KtException("KT5011", $"Unsupported YAML node at {node.Start}."),
    };

    private static JsonObject ConvertMap(YamlMappingNode map)
    {
        var result = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? throw new Core.KtException("KT5011", $"Only scalar YAML keys are supported (at {key.Start}).");
            result[name] = Convert(value);
        }

        return result;
    }

    private static JsonNode? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        return text switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => JsonValue.Create(l),
            _ when FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => JsonValue.Create(d),
            _ => JsonValue.Create(text),
        };
    }

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();
}
