using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Kt.PodRuntime.Protocol;

/// <summary>
/// Generated JSON metadata for every message of the pod protocol, used by server and client alike (no reflection on
/// either side for the contract; user call arguments and results still go through reflection).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ContentManifest))]
[JsonSerializable(typeof(LivePlan))]
[JsonSerializable(typeof(JournalEntry[]))]
[JsonSerializable(typeof(PlanEvent))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(ActivateRequest))]
[JsonSerializable(typeof(ManifestChanges))]
[JsonSerializable(typeof(MissingRequest))]
[JsonSerializable(typeof(MissingResponse))]
[JsonSerializable(typeof(BlobStored))]
[JsonSerializable(typeof(ActivateResult))]
[JsonSerializable(typeof(ActiveVersion))]
[JsonSerializable(typeof(DeployResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ReadyResponse))]
[JsonSerializable(typeof(JournalResponse))]
[JsonSerializable(typeof(CallRequest))]
[JsonSerializable(typeof(CallStreamLine))]
[JsonSerializable(typeof(LogLine))]
[JsonSerializable(typeof(AppSettings))]
[JsonSerializable(typeof(AppStatus))]
[JsonSerializable(typeof(DeltaCapabilities))]
[JsonSerializable(typeof(DeltaRequest))]
[JsonSerializable(typeof(DeltaResult))]
[JsonSerializable(typeof(SettleRequest))]
public sealed partial class PodJsonContext : JsonSerializerContext
{
    /// <summary>The protocol's options: generated metadata first, reflection for anything else (user values).</summary>
    public static JsonSerializerOptions Wire { get; } = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(Default, new DefaultJsonTypeInfoResolver()),
    };
}
