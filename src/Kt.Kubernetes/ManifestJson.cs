using System.Text.Json.Nodes;
using k8s;

namespace Kt.Kubernetes;

/// <summary>
/// Serialises rendered manifests exactly as they are sent to the API server (KubernetesClient's JSON settings:
/// camelCase names from the models, nulls omitted, quantities and int-or-string as Kubernetes writes them).
/// </summary>
public static class ManifestJson
{
    /// <summary>JSON text of a typed model, a Kt CRD record or a <see cref="JsonNode"/>.</summary>
    public static string Serialize(object manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return manifest switch
        {
            JsonNode node => node.ToJsonString(),
            _ => KubernetesJson.Serialize(manifest),
        };
    }

    /// <summary>A mutable JSON copy of the manifest.</summary>
    public static JsonObject ToNode(object manifest) =>
        JsonNode.Parse(Serialize(manifest)) as JsonObject
        ?? throw new Core.KtException("KT5011", "A manifest must serialise to a JSON object.");

    /// <summary>The identity (apiVersion, kind, namespace, name) of a manifest.</summary>
    public static ResourceRef Identify(object manifest)
    {
        var node = manifest as JsonObject ?? ToNode(manifest);
        return new ResourceRef(
            (string?)node["apiVersion"] ?? "",
            (string?)node["kind"] ?? "",
            (string?)node["metadata"]?["namespace"] ?? "default",
            (string?)node["metadata"]?["name"] ?? "");
    }
}

/// <summary>Identity of one Kubernetes object.</summary>
public sealed record ResourceRef(string ApiVersion, string Kind, string Namespace, string Name)
{
    public override string ToString() => $"{Kind}.{ApiVersion} {Namespace}/{Name}";
}
