using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Kt.Core;

/// <summary>
/// Compile-time JSON metadata for the wire contracts. A deploy runs in a fresh `dotnet publish` process, where
/// building serializer metadata by reflection costs tens of milliseconds per type; generated metadata costs none.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ContentManifest))]
[JsonSerializable(typeof(LivePlan))]
[JsonSerializable(typeof(JournalEntry[]))]
[JsonSerializable(typeof(PlanEvent))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(ProjectDefinition))]
[JsonSerializable(typeof(ActivateRequest))]
public sealed partial class KtJsonContext : JsonSerializerContext
{
    /// <summary>Generated metadata for the contracts, reflection for anything else (user call arguments and results).</summary>
    public static IJsonTypeInfoResolver ContractsFirst { get; } = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver());
}

/// <summary>The body of <c>POST /sync/activate</c>: make <see cref="Manifest"/> the active code as <see cref="Version"/>.</summary>
public sealed record ActivateRequest(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("manifest")] ContentManifest Manifest);
