using System.Text.Json;
using System.Text.Json.Nodes;
using Kt.Kubernetes;
using Kt.Kubernetes.Validation;
using Microsoft.AspNetCore.Http;

namespace Kt.FakeKubeApi;

public sealed partial class FakeApiServer
{
    /// <summary>
    /// <c>PATCH</c> with <c>application/apply-patch+yaml</c>: 415 for another patch type, 400 without a fieldManager
    /// or for a body that does not match the URL, 404 for a missing namespace, 500 "field not declared in schema" for
    /// an unknown field (what a v1.32 server answers to server-side apply), 422 for a value the schema refuses,
    /// 409 for a field another manager owns (without force); 201 when created, 200 when updated.
    /// </summary>
    private async Task<JsonObject> ApplyAsync(HttpContext http, ApiPath path, ServedKind kind)
    {
        if (!(http.Request.ContentType ?? "").StartsWith("application/apply-patch+yaml", StringComparison.Ordinal))
        {
            return ApiStatus.Failure(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/apply-patch+yaml (got {http.Request.ContentType})");
        }

        var manager = http.Request.Query["fieldManager"].ToString();
        if (manager.Length == 0)
        {
            return ApiStatus.Failure(400, "BadRequest", "PATCH, application/apply-patch+yaml: fieldManager is required for apply requests");
        }

        var force = http.Request.Query["force"].ToString() == "true";
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync().ConfigureAwait(false);
        JsonObject? body;
        try
        {
            body = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            body = YamlJson.ParseSingle(text) as JsonObject;
        }

        if (body is null)
        {
            return ApiStatus.Failure(400, "BadRequest", "error decoding YAML: the body is not an object");
        }

        if ((string?)body["apiVersion"] != kind.ApiVersion || (string?)body["kind"] != kind.Kind)
        {
            return ApiStatus.Failure(400, "BadRequest", $"the API version in the data ({body["apiVersion"]}) or kind ({body["kind"]}) does not match the expected {kind.ApiVersion} {kind.Kind}");
        }

        if ((string?)body["metadata"]?["name"] != path.Name)
        {
            return ApiStatus.Failure(400, "BadRequest", $"the name of the object ({body["metadata"]?["name"]}) does not match the name on the URL ({path.Name})");
        }

        if (!Namespaces.Contains(path.Namespace))
        {
            return ApiStatus.Failure(404, "NotFound", $"namespaces \"{path.Namespace}\" not found", new JsonObject { ["name"] = path.Namespace, ["kind"] = "namespaces" });
        }

        body["metadata"]!["namespace"] ??= path.Namespace;
        if (Refusal(path, kind, body) is { } refusal)
        {
            return refusal;
        }

        lock (_gate)
        {
            var key = (path.ApiVersion, path.Plural, path.Namespace, path.Name!);
            var created = !_objects.TryGetValue(key, out var stored);
            stored ??= new StoredObject(new JsonObject());
            if (!force && ServerSideApply.Conflicts(stored.Managers, manager, body) is { Count: > 0 } conflicts)
            {
                return ApiStatus.Failure(409, "Conflict",
                    $"Apply failed with {conflicts.Count} conflict{(conflicts.Count == 1 ? "" : "s")}: {string.Join("; ", conflicts.Select(c => $"conflict with \"{c.Owner}\": {c.Path}"))}",
                    ApiStatus.Details(path, null));
            }

            if (force)
            {
                ServerSideApply.TakeOver(stored.Managers, manager, body);
            }

            stored.Managers[manager] = (JsonObject)body.DeepClone();
            var previous = stored.Object;
            var merged = ServerSideApply.Merge(stored.Managers.Values);
            Store(kind, merged, previous, created);
            stored.Object = merged;
            _objects[key] = stored;
            var answer = (JsonObject)merged.DeepClone();
            answer["__status"] = created ? 201 : 200;
            return answer;
        }
    }

    /// <summary>What the server adds to what managers applied: identity, versions, defaults, encoded Secret data, kept status.</summary>
    private void Store(ServedKind kind, JsonObject merged, JsonObject previous, bool created)
    {
        var metadata = merged["metadata"]!.AsObject();
        var old = previous["metadata"] as JsonObject;
        metadata["uid"] = (string?)old?["uid"] ?? Guid.NewGuid().ToString();
        metadata["creationTimestamp"] = (string?)old?["creationTimestamp"] ?? Now();
        metadata["resourceVersion"] = NextVersion();
        var generation = (long?)old?["generation"] ?? 0;
        metadata["generation"] = created || !JsonNode.DeepEquals(merged["spec"], previous["spec"]) ? generation + 1 : generation;
        if (previous["status"] is { } status)
        {
            merged["status"] = status.DeepClone();
        }

        if (kind.Kind == "Secret" && merged["stringData"] is JsonObject plain)
        {
            // stringData is write-only: stored base64-encoded under data.
            var data = merged["data"] as JsonObject ?? [];
            foreach (var (name, value) in plain)
            {
                data[name] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes((string?)value ?? ""));
            }

            merged.Remove("stringData");
            merged["data"] = data;
        }

        if (kind.Kind == "Service" && kind.Group.Length == 0 && merged["spec"] is JsonObject service)
        {
            service["clusterIP"] ??= (string?)previous["spec"]?["clusterIP"] ?? $"10.96.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}";
        }
    }

    /// <summary>Schema problems the way a v1.32 server reports them for server-side apply; a Deployment whose selector misses its template's labels.</summary>
    private static JsonObject? Refusal(ApiPath path, ServedKind kind, JsonObject body)
    {
        var problems = ManifestValidator.Default.ValidateJson(body.ToJsonString());
        var unknown = problems.Where(p => p.Message.Contains("not declared in schema", StringComparison.Ordinal)).ToList();
        if (unknown.Count > 0)
        {
            var fields = string.Join(", ", unknown.Select(p => $"{p.Path.TrimStart('$')}: field not declared in schema"));
            return ApiStatus.Failure(500, "InternalError",
                $"failed to create typed patch object ({path.Namespace}/{path.Name}; {kind.ApiVersion}, Kind={kind.Kind}): {fields}");
        }

        var invalid = problems.Select(p => (Field: p.Path.TrimStart('$', '.'), p.Message)).ToList();
        if (kind.Kind == "Deployment" && body["spec"]?["selector"]?["matchLabels"] is JsonObject selector
            && !Selectors.MatchesAll(body["spec"]?["template"] ?? new JsonObject(), selector))
        {
            invalid.Add(("spec.template.metadata.labels", "Invalid value: `selector` does not match template `labels`"));
        }

        if (invalid.Count == 0)
        {
            return null;
        }

        var causes = new JsonArray(invalid.Select(p => (JsonNode)new JsonObject { ["reason"] = "FieldValueInvalid", ["message"] = p.Message, ["field"] = p.Field }).ToArray());
        var details = ApiStatus.Details(path, null);
        details["kind"] = kind.Kind;
        details["causes"] = causes;
        return ApiStatus.Failure(422, "Invalid",
            $"{kind.Kind}{(kind.Group.Length == 0 ? "" : "." + kind.Group)} \"{path.Name}\" is invalid: {string.Join(", ", invalid.Select(p => $"{p.Field}: {p.Message}"))}",
            details);
    }
}
