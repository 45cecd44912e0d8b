using System.Text.Json.Nodes;
using Kt.Core;

namespace Kt.Kubernetes.Validation;

/// <summary>
/// Strict schema validation of manifests, serialised exactly as they are sent, against the upstream schemas:
/// Kubernetes v1.32 OpenAPI v3 (core/v1, apps/v1, ...), the Knative Serving CRDs and the KubeRay RayCluster CRD.
/// Unknown fields, wrong types, missing required fields and duplicate list keys are reported with their JSON path,
/// as a real API server with strict field validation would reject them.
/// </summary>
/// <remarks>
/// Not checked: CEL rules (<c>x-kubernetes-validations</c>) and the semantic validation an API server runs after
/// decoding (e.g. label syntax inside selectors); Kt checks the values it renders itself (<see cref="Model.ComputeValidator"/>).
/// </remarks>
public sealed class ManifestValidator
{
    private const string ObjectMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    private static readonly Lock DefaultLock = new();
    private static ManifestValidator? defaultInstance;

    private readonly Dictionary<(string ApiVersion, string Kind), (JsonNode Schema, SchemaWalker Walker)> kinds;
    private readonly (JsonNode Schema, SchemaWalker Walker) objectMeta;

    private ManifestValidator(
        Dictionary<(string ApiVersion, string Kind), (JsonNode Schema, SchemaWalker Walker)> kinds,
        (JsonNode Schema, SchemaWalker Walker) objectMeta)
    {
        this.kinds = kinds;
        this.objectMeta = objectMeta;
    }

    /// <summary>The validator over the schemas found by <see cref="SchemaLocator.Find"/>, loaded once.</summary>
    public static ManifestValidator Default
    {
        get
        {
            lock (DefaultLock)
            {
                return defaultInstance ??= Load(SchemaLocator.Find());
            }
        }
    }

    /// <summary>The (apiVersion, kind) pairs this validator knows.</summary>
    public IEnumerable<(string ApiVersion, string Kind)> Kinds => kinds.Keys;

    /// <summary>
    /// Loads every <c>*.json</c> OpenAPI v3 document under <c>kubernetes-*</c> and every CRD in <c>*.yaml</c> files
    /// of the other folders of <paramref name="schemaRoot"/>.
    /// </summary>
    public static ManifestValidator Load(string schemaRoot)
    {
        var kinds = new Dictionary<(string, string), (JsonNode, SchemaWalker)>();
        (JsonNode, SchemaWalker)? objectMeta = null;
        foreach (var file in Directory.EnumerateFiles(schemaRoot, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (JsonNode.Parse(File.ReadAllText(file))?["components"]?["schemas"] is not JsonObject components)
            {
                continue;
            }

            var walker = new SchemaWalker(components, Structural: false);
            objectMeta ??= components[ObjectMeta] is { } meta ? (meta, walker) : null;
            foreach (var (_, schema) in components)
            {
                foreach (var gvk in (schema?["x-kubernetes-group-version-kind"] as JsonArray) ?? [])
                {
                    var group = (string?)gvk?["group"] ?? "";
                    var version = (string?)gvk?["version"] ?? "";
                    kinds.TryAdd((group.Length == 0 ? version : $"{group}/{version}", (string?)gvk?["kind"] ?? ""), (schema!, walker));
                }
            }
        }

        foreach (var file in Directory.EnumerateFiles(schemaRoot, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            foreach (var document in YamlJson.ParseAll(File.ReadAllText(file)))
            {
                AddCustomResourceDefinition(document, kinds);
            }
        }

        if (objectMeta is null)
        {
            throw new KtException("KT5302", $"No Kubernetes OpenAPI document with {ObjectMeta} under '{schemaRoot}'.");
        }

        return new ManifestValidator(kinds, objectMeta.Value);
    }

    /// <summary>Validates a manifest object (typed model, Kt CRD record or JSON node) as it would be serialised.</summary>
    public IReadOnlyList<SchemaProblem> Validate(object manifest) => ValidateJson(ManifestJson.Serialize(manifest));

    /// <summary>Validates JSON text of one Kubernetes object.</summary>
    public IReadOnlyList<SchemaProblem> ValidateJson(string json)
    {
        var problems = new List<SchemaProblem>();
        if (JsonNode.Parse(json) is not JsonObject root)
        {
            problems.Add(new("$", "a manifest must be a JSON object"));
            return problems;
        }

        var apiVersion = (string?)root["apiVersion"];
        var kind = (string?)root["kind"];
        if (apiVersion is null)
        {
            problems.Add(new("$.apiVersion", "missing required field"));
        }

        if (kind is null)
        {
            problems.Add(new("$.kind", "missing required field"));
        }

        if (root["metadata"]?["name"] is null)
        {
            problems.Add(new("$.metadata.name", "missing required field"));
        }

        if (apiVersion is null || kind is null)
        {
            return problems;
        }

        if (!kinds.TryGetValue((apiVersion, kind), out var entry))
        {
            problems.Add(new("$", $"no schema for kind {kind} in {apiVersion}"));
            return problems;
        }

        var body = root;
        if (root["metadata"] is { } metadata && IsCustomResource(entry.Schema))
        {
            // CRD schemas declare metadata as a bare object; the server decodes it as a standard ObjectMeta.
            objectMeta.Walker.Validate(objectMeta.Schema, metadata, "$.metadata", problems);
            body = (JsonObject)root.DeepClone();
            body.Remove("metadata");
        }

        entry.Walker.Validate(entry.Schema, body, "$", problems);
        return problems;
    }

    /// <summary>Throws KT5301 listing every problem when <paramref name="manifest"/> is not valid.</summary>
    public void EnsureValid(object manifest)
    {
        var problems = Validate(manifest);
        if (problems.Count > 0)
        {
            var identity = ManifestJson.Identify(manifest);
            throw new SchemaValidationException(identity, problems);
        }
    }

    private static bool IsCustomResource(JsonNode schema) => schema["x-kubernetes-group-version-kind"] is null;

    private static void AddCustomResourceDefinition(JsonNode? document, Dictionary<(string, string), (JsonNode, SchemaWalker)> kinds)
    {
        if ((string?)document?["kind"] != "CustomResourceDefinition" || document["spec"] is not JsonObject spec)
        {
            return;
        }

        var group = (string?)spec["group"];
        var kind = (string?)spec["names"]?["kind"];
        foreach (var version in (spec["versions"] as JsonArray) ?? [])
        {
            if (version?["schema"]?["openAPIV3Schema"] is { } schema && (bool?)version["served"] != false)
            {
                kinds.TryAdd(($"{group}/{(string?)version["name"]}", kind ?? ""), (schema, new SchemaWalker(null, Structural: true)));
            }
        }
    }
}

/// <summary>KT5301: a manifest does not match its schema; <see cref="Problems"/> lists each problem with its path.</summary>
public sealed class SchemaValidationException(ResourceRef resource, IReadOnlyList<SchemaProblem> problems)
    : KtException("KT5301", $"{resource} does not match its schema:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", problems)}")
{
    public ResourceRef Resource { get; } = resource;

    public IReadOnlyList<SchemaProblem> Problems { get; } = problems;
}
