using System.Text.Json.Nodes;

namespace Kt.FakeKubeApi;

/// <summary>
/// Server-side apply as the fake does it: every field manager keeps the configuration it last applied; the stored
/// object is their merge (objects merged key by key, lists and scalars atomic). A manager that sets a leaf another
/// manager set to a different value conflicts (HTTP 409) unless it forces, which takes the leaf over. A real server
/// merges some lists by key (containers by name); Kt always applies whole objects, so atomic lists are enough here.
/// </summary>
internal static class ServerSideApply
{
    /// <summary>The conflicting leaves (path and the manager that owns it) of applying <paramref name="applied"/> as <paramref name="manager"/>.</summary>
    public static IReadOnlyList<(string Path, string Owner)> Conflicts(IReadOnlyDictionary<string, JsonObject> managers, string manager, JsonObject applied)
    {
        var mine = Leaves(applied);
        var conflicts = new List<(string, string)>();
        foreach (var (other, config) in managers)
        {
            if (other == manager)
            {
                continue;
            }

            foreach (var (path, value) in Leaves(config))
            {
                if (mine.TryGetValue(path, out var wanted) && !JsonNode.DeepEquals(wanted, value))
                {
                    conflicts.Add((path.Replace(Separator, '.'), other));
                }
            }
        }

        return conflicts;
    }

    /// <summary>Removes from every other manager's configuration the leaves <paramref name="applied"/> sets (force).</summary>
    public static void TakeOver(Dictionary<string, JsonObject> managers, string manager, JsonObject applied)
    {
        var mine = Leaves(applied);
        foreach (var (other, config) in managers.Where(m => m.Key != manager).ToList())
        {
            foreach (var path in Leaves(config).Keys.Where(mine.ContainsKey))
            {
                Remove(config, path);
            }

            managers[other] = config;
        }
    }

    /// <summary>The merge of every manager's configuration, in the order they first applied.</summary>
    public static JsonObject Merge(IEnumerable<JsonObject> configurations)
    {
        var result = new JsonObject();
        foreach (var config in configurations)
        {
            MergeInto(result, config);
        }

        return result;
    }

    private static void MergeInto(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (value is JsonObject child && target[key] is JsonObject existing)
            {
                MergeInto(existing, child);
            }
            else
            {
                target[key] = value?.DeepClone();
            }
        }
    }

    // Label keys contain dots and slashes: paths join keys with a character no key holds.
    private const char Separator = '\u001f';

    private static Dictionary<string, JsonNode?> Leaves(JsonObject node)
    {
        var leaves = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        void Walk(JsonObject current, string prefix)
        {
            foreach (var (key, value) in current)
            {
                var path = $"{prefix}{Separator}{key}";
                if (value is JsonObject child && child.Count > 0)
                {
                    Walk(child, path);
                }
                else
                {
                    leaves[path] = value;
                }
            }
        }

        Walk(node, "");
        return leaves;
    }

    private static void Remove(JsonObject node, string path)
    {
        var keys = path.TrimStart(Separator).Split(Separator);
        var current = node;
        foreach (var key in keys[..^1])
        {
            if (current[key] is not JsonObject next)
            {
                return;
            }

            current = next;
        }

        current.Remove(keys[^1]);
    }
}
