using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Kt.PodRuntime.Protocol;

/// <summary>
/// How user values (call arguments, class constructor arguments, results) are written and read as JSON, by the client
/// that sends them and the worker that binds them: web defaults (camelCase, case-insensitive reads), reflection
/// metadata since the types are the user's. One definition, so the two ends cannot drift apart.
/// </summary>
public static class UserValueJson
{
    /// <summary>The client's options (one instance for the process: its metadata cache is reused by every call).</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>
    /// A fresh instance of the same options. The worker takes one per code generation: the options cache metadata of the
    /// user's types, and a generation's collectible load context can only unload once nothing holds them.
    /// </summary>
    public static JsonSerializerOptions Create() =>
        new(JsonSerializerDefaults.Web) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
}
