using System.Text.Json.Nodes;

namespace Kt.FakeKubeApi;

/// <summary>
/// Label selectors (<c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a</c>, <c>!a</c>, comma-separated, all must hold) and
/// field selectors (<c>involvedObject.name=x</c>, <c>metadata.name=x</c>) as the API server evaluates them.
/// </summary>
public static class Selectors
{
    public static bool MatchesLabels(JsonNode item, string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return true;
        }

        var labels = item["metadata"]?["labels"] as JsonObject;
        string? Label(string key) => (string?)labels?[key];
        foreach (var raw in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ok = raw switch
            {
                _ when raw.Contains("!=", StringComparison.Ordinal) => Label(raw[..raw.IndexOf("!=", StringComparison.Ordinal)]) != raw[(raw.IndexOf("!=", StringComparison.Ordinal) + 2)..],
                _ when raw.Contains("==", StringComparison.Ordinal) => Label(raw[..raw.IndexOf("==", StringComparison.Ordinal)]) == raw[(raw.IndexOf("==", StringComparison.Ordinal) + 2)..],
                _ when raw.Contains('=', StringComparison.Ordinal) => Label(raw[..raw.IndexOf('=', StringComparison.Ordinal)]) == raw[(raw.IndexOf('=', StringComparison.Ordinal) + 1)..],
                _ when raw.StartsWith('!') => Label(raw[1..]) is null,
                _ => Label(raw) is not null,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    public static bool MatchesFields(JsonNode item, string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            return true;
        }

        foreach (var raw in selector.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var negate = raw.Contains("!=", StringComparison.Ordinal);
            var parts = raw.Split(negate ? "!=" : "=", 2);
            JsonNode? value = item;
            foreach (var field in parts[0].Split('.'))
            {
                value = value?[field];
            }

            if (((string?)value == parts[1].TrimStart('=')) == negate)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when every key of <paramref name="selector"/> (a matchLabels or Service selector) has that value on the item.</summary>
    public static bool MatchesAll(JsonNode item, JsonObject? selector) =>
        selector is not null && selector.All(kv => (string?)item["metadata"]?["labels"]?[kv.Key] == (string?)kv.Value);
}
