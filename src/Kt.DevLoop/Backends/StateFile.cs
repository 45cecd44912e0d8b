using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Kt.DevLoop.Backends;

/// <summary>How the backends keep what they created: one JSON file, replaced atomically, and unreadable means absent.</summary>
internal static class StateFile
{
    /// <summary>The state, or null when the file is missing, torn or foreign (then the backend treats the service as not created).</summary>
    public static T? Read<T>(string file, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), type) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Written to a temp file and renamed, so a reader sees the old or the new state, never half of one.</summary>
    public static void Write<T>(string file, T state, JsonTypeInfo<T> type) =>
        AtomicFile.WriteAllText(file, JsonSerializer.Serialize(state, type));
}
