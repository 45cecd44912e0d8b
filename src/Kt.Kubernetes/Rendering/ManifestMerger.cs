using System.Text.Json;
using System.Text.Json.Nodes;
using Kt.Core;

namespace Kt.Kubernetes.Rendering;

/// <summary>
/// Bring-your-own manifests: merges a user's workload manifest with the generated one without overriding any value
/// the user wrote. Objects merge key by key; lists of objects that carry a <c>name</c> (containers, env, volumes,
/// volumeMounts, ports) merge item by item by name; other object lists keep the user's items and add generated
/// items the user does not already have; scalar lists (command, args) are the user's when given.
/// </summary>
public static class ManifestMerger
{
    /// <summary>Parses <paramref name="userManifest"/> (YAML or JSON, one document) and merges the generated object into it.</summary>
    public static JsonObject MergeUserManifest(string userManifest, object generated)
    {
        var user = ParseUserManifest(userManifest);
        var generatedNode = ManifestJson.ToNode(generated);
        var userKind = (string?)user["kind"];
        var generatedKind = (string?)generatedNode["kind"];
        if (userKind is not null && userKind != generatedKind)
        {
            throw new KtException("KT5011", $"The manifest you brought is a {userKind}, but this compute renders a {generatedKind}; bring a {generatedKind}.");
        }

        // Round-trip through text so the result holds exactly what is sent (YAML scalars become plain JSON values).
        return (JsonObject)JsonNode.Parse(Merge(user, generatedNode).ToJsonString())!;
    }

    /// <summary>Returns a new object: <paramref name="user"/>'s values win, <paramref name="generated"/> fills the gaps.</summary>
    public static JsonObject Merge(JsonObject user, JsonObject generated)
    {
        var result = (JsonObject)user.DeepClone();
        foreach (var (key, generatedValue) in generated)
        {
            if (!result.TryGetPropertyValue(key, out var userValue) || userValue is null)
            {
                result[key] = generatedValue?.DeepClone();
            }
            else if (userValue is JsonObject userObject && generatedValue is JsonObject generatedObject)
            {
                result[key] = Merge(userObject, generatedObject);
            }
            else if (userValue is JsonArray userArray && generatedValue is JsonArray generatedArray)
            {
                result[key] = MergeLists(userArray, generatedArray);
            }
        }

        return result;
    }

    private static JsonArray MergeLists(JsonArray user, JsonArray generated)
    {
        if (!user.All(i => i is JsonObject) || !generated.All(i => i is JsonObject))
        {
            return (JsonArray)user.DeepClone();
        }

        var result = new JsonArray();
        var generatedByName = generated.OfType<JsonObject>()
            .Where(i => NameOf(i) is not null)
            .ToDictionary(i => NameOf(i)!, StringComparer.Ordinal);
        var userNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in user.OfType<JsonObject>())
        {
            var name = NameOf(item);
            if (name is not null && generatedByName.TryGetValue(name, out var match))
            {
                userNames.Add(name);
                result.Add(Merge(item, match));
            }
            else
            {
                result.Add(item.DeepClone());
            }
        }

        foreach (var item in generated.OfType<JsonObject>())
        {
            var name = NameOf(item);
            var alreadyThere = name is not null
                ? userNames.Contains(name) || user.OfType<JsonObject>().Any(u => NameOf(u) == name)
                : user.Any(u => JsonNode.DeepEquals(u, item));
            if (!alreadyThere && !CollidesOnPort(user, item))
            {
                result.Add(item.DeepClone());
            }
        }

        return result;
    }

    // A user's unnamed port with the same number must not get a duplicate generated twin (the API rejects it).
    private static bool CollidesOnPort(JsonArray user, JsonObject item) =>
        item["containerPort"] is JsonValue port &&
        user.OfType<JsonObject>().Any(u => u["containerPort"] is JsonValue p && p.ToJsonString() == port.ToJsonString());

    private static string? NameOf(JsonObject item) => item["name"] is JsonValue value && value.TryGetValue<string>(out var name) ? name : null;

    private static JsonObject ParseUserManifest(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        try
        {
            var trimmed = text.TrimStart();
            if (trimmed.StartsWith('{'))
            {
                return JsonNode.Parse(trimmed) as JsonObject ?? throw new KtException("KT5011", "The manifest you brought is not a JSON object.");
            }

            return YamlJson.ParseSingle(text) as JsonObject ?? throw new KtException("KT5011", "The manifest you brought is not a YAML mapping.");
        }
        catch (KtException)
        {
            throw;
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException or InvalidOperationException or ArgumentException)
        {
            throw new KtException("KT5011", $"The manifest you brought could not be parsed: {e.Message}", e);
        }
    }
}
