using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Kt.Kubernetes.Validation;

/// <summary>
/// Checks a JSON value against a Kubernetes-flavoured OpenAPI v3 schema the way a strict API server decodes it:
/// unknown fields, wrong types and missing required fields are problems. Handles <c>$ref</c> (into
/// <c>components/schemas</c>), <c>allOf</c>, <c>oneOf</c>/<c>anyOf</c>, <c>additionalProperties</c>,
/// <c>x-kubernetes-int-or-string</c>, <c>x-kubernetes-preserve-unknown-fields</c>, enums, patterns, integer formats
/// and duplicate keys of associative lists (<c>x-kubernetes-list-type: map</c> / patch merge keys).
/// </summary>
/// <param name="Components">The document's <c>components/schemas</c> for <c>$ref</c>, or null (CRDs have none).</param>
/// <param name="Structural">
/// CRD semantics: an object schema without properties, additionalProperties or preserve-unknown-fields keeps no
/// fields (the server prunes or, strictly, rejects them). In built-in OpenAPI such an object is free-form.
/// </param>
internal sealed class SchemaWalker(JsonObject? Components, bool Structural)
{
    private const string RefPrefix = "#/components/schemas/";
    private static readonly Dictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    public void Validate(JsonNode? schema, JsonNode? value, string path, List<SchemaProblem> problems)
    {
        if (schema is not JsonObject s || value is null)
        {
            // JSON null reads as "absent" for optional fields; required ones are checked by the parent.
            return;
        }

        if ((string?)s["$ref"] is { } reference)
        {
            Validate(Resolve(reference, path, problems), value, path, problems);
        }

        if (s["allOf"] is JsonArray allOf)
        {
            foreach (var part in allOf)
            {
                Validate(part, value, path, problems);
            }
        }

        if (IsTrue(s, "x-kubernetes-int-or-string") || (string?)s["format"] == "int-or-string")
        {
            if (!IsInteger(value) && !IsString(value))
            {
                problems.Add(new(path, $"wrong type: expected integer or string, got {Describe(value)}"));
            }
            else if (IsString(value))
            {
                CheckString(s, value, path, problems);
            }

            return;
        }

        foreach (var keyword in (string[])["oneOf", "anyOf"])
        {
            if (s[keyword] is JsonArray alternatives && !alternatives.Any(a => Matches(a, value, path)))
            {
                problems.Add(new(path, $"wrong type: {Describe(value)} matches none of the allowed shapes ({keyword})"));
                return;
            }
        }

        switch ((string?)s["type"])
        {
            case "object":
                if (value is JsonObject obj)
                {
                    ValidateObject(s, obj, path, problems);
                }
                else
                {
                    problems.Add(new(path, $"wrong type: expected object, got {Describe(value)}"));
                }

                break;
            case "array":
                if (value is JsonArray array)
                {
                    ValidateArray(s, array, path, problems);
                }
                else
                {
                    problems.Add(new(path, $"wrong type: expected array, got {Describe(value)}"));
                }

                break;
            case "string":
                if (IsString(value))
                {
                    CheckString(s, value, path, problems);
                }
                else
                {
                    problems.Add(new(path, $"wrong type: expected string, got {Describe(value)}"));
                }

                break;
            case "integer":
                CheckInteger(s, value, path, problems);
                break;
            case "number":
                if (value.GetValueKind() != JsonValueKind.Number)
                {
                    problems.Add(new(path, $"wrong type: expected number, got {Describe(value)}"));
                }

                break;
            case "boolean":
                if (value.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                {
                    problems.Add(new(path, $"wrong type: expected boolean, got {Describe(value)}"));
                }

                break;
            case null when s["properties"] is not null && value is JsonObject untypedObject:
                ValidateObject(s, untypedObject, path, problems);
                break;
        }
    }

    private bool Matches(JsonNode? schema, JsonNode value, string path)
    {
        var trial = new List<SchemaProblem>();
        Validate(schema, value, path, trial);
        return trial.Count == 0;
    }

    private void ValidateObject(JsonObject s, JsonObject obj, string path, List<SchemaProblem> problems)
    {
        var properties = s["properties"] as JsonObject;
        var additional = s["additionalProperties"];
        var preserveUnknown = IsTrue(s, "x-kubernetes-preserve-unknown-fields");
        var freeForm = !Structural && properties is null && additional is null;

        if (s["required"] is JsonArray required)
        {
            foreach (var name in required.Select(r => (string?)r).OfType<string>())
            {
                if (obj[name] is null)
                {
                    problems.Add(new(Join(path, name), "missing required field"));
                }
            }
        }

        foreach (var (name, child) in obj)
        {
            var childPath = Join(path, name);
            if (properties is not null && properties.TryGetPropertyValue(name, out var propertySchema))
            {
                Validate(propertySchema, child, childPath, problems);
            }
            else if (additional is JsonObject additionalSchema)
            {
                Validate(additionalSchema, child, childPath, problems);
            }
            else if (additional?.GetValueKind() == JsonValueKind.True || preserveUnknown || freeForm)
            {
                continue;
            }
            else
            {
                problems.Add(new(childPath, "unknown field (not declared in schema)"));
            }
        }
    }

    private void ValidateArray(JsonObject s, JsonArray array, string path, List<SchemaProblem> problems)
    {
        for (var i = 0; i < array.Count; i++)
        {
            Validate(s["items"], array[i], $"{path}[{i}]", problems);
        }

        var keys = ListMapKeys(s);
        if (keys.Count == 0)
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject item)
            {
                continue;
            }

            // Defaults the server applies before comparing keys (ports without protocol are TCP).
            var key = string.Join("|", keys.Select(k => item[k]?.ToJsonString() ?? (k == "protocol" ? "\"TCP\"" : "null")));
            if (!seen.Add(key))
            {
                problems.Add(new($"{path}[{i}]", $"duplicate entry for key [{string.Join(", ", keys.Select(k => $"{k}={item[k]?.ToJsonString()}"))}]"));
            }
        }
    }

    private static List<string> ListMapKeys(JsonObject s)
    {
        if ((string?)s["x-kubernetes-list-type"] == "map" && s["x-kubernetes-list-map-keys"] is JsonArray mapKeys)
        {
            return mapKeys.Select(k => (string?)k).OfType<string>().ToList();
        }

        return (string?)s["x-kubernetes-patch-merge-key"] is { } mergeKey && (string?)s["x-kubernetes-list-type"] is null or "map"
            ? [mergeKey]
            : [];
    }

    private static void CheckString(JsonObject s, JsonNode value, string path, List<SchemaProblem> problems)
    {
        var text = value.GetValue<string>();
        if (s["enum"] is JsonArray allowed && !allowed.Any(a => a?.GetValueKind() == JsonValueKind.String && (string?)a == text))
        {
            problems.Add(new(path, $"unsupported value \"{text}\": expected one of {allowed.ToJsonString()}"));
        }

        if ((string?)s["pattern"] is { } pattern && !PatternFor(pattern).IsMatch(text))
        {
            problems.Add(new(path, $"\"{text}\" does not match the pattern {pattern}"));
        }

        if (s["maxLength"] is JsonValue max && text.Length > AsDecimal(max))
        {
            problems.Add(new(path, $"\"{text}\" is longer than {max} characters"));
        }
    }

    private static void CheckInteger(JsonObject s, JsonNode value, string path, List<SchemaProblem> problems)
    {
        if (!IsInteger(value))
        {
            problems.Add(new(path, $"wrong type: expected integer, got {Describe(value)}"));
            return;
        }

        var number = AsDecimal(value);
        if ((string?)s["format"] == "int32" && (number < int.MinValue || number > int.MaxValue))
        {
            problems.Add(new(path, $"{number} does not fit in int32"));
        }

        if (s["minimum"] is JsonValue minimum && number < AsDecimal(minimum))
        {
            problems.Add(new(path, $"{number} is less than the minimum {minimum}"));
        }
    }

    private JsonNode? Resolve(string reference, string path, List<SchemaProblem> problems)
    {
        if (reference.StartsWith(RefPrefix, StringComparison.Ordinal) && Components?[reference[RefPrefix.Length..]] is { } target)
        {
            return target;
        }

        problems.Add(new(path, $"schema reference {reference} cannot be resolved"));
        return null;
    }

    private static Regex PatternFor(string pattern)
    {
        lock (Patterns)
        {
            if (!Patterns.TryGetValue(pattern, out var regex))
            {
                regex = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                Patterns[pattern] = regex;
            }

            return regex;
        }
    }

    private static bool IsTrue(JsonObject s, string name) => s[name]?.GetValueKind() == JsonValueKind.True;

    private static bool IsString(JsonNode value) => value.GetValueKind() == JsonValueKind.String;

    private static bool IsInteger(JsonNode value) =>
        value.GetValueKind() == JsonValueKind.Number && AsDecimal(value) is var d && d == decimal.Truncate(d);

    private static decimal AsDecimal(JsonNode value) =>
        decimal.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static string Describe(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => $"string \"{value.GetValue<string>()}\"",
        JsonValueKind.Number => $"number {value.ToJsonString()}",
        JsonValueKind.True or JsonValueKind.False => $"boolean {value.ToJsonString()}",
        _ => value.GetValueKind().ToString().ToLower(CultureInfo.InvariantCulture),
    };

    internal static string Join(string path, string name) =>
        name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') ? $"{path}.{name}" : $"{path}['{name}']";
}
