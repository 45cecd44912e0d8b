using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Kt.Core;

/// <summary>
/// Compile-time JSON metadata for the project definition (<c>kt.definition.json</c>). A deploy runs in a fresh
/// `dotnet publish` process, where building serializer metadata by reflection costs tens of milliseconds per type;
/// generated metadata costs none. The pod protocol's messages have their own context, <c>PodJsonContext</c>.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ProjectDefinition))]
public sealed partial class KtJsonContext : JsonSerializerContext
{
    /// <summary>Generated metadata for the definition, reflection for anything else.</summary>
    public static IJsonTypeInfoResolver ContractsFirst { get; } = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver());
}
