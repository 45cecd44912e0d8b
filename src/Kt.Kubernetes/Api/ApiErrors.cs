using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kt.Core;

namespace Kt.Kubernetes.Api;

/// <summary>
/// Maps API server refusals to KT codes. Facts of a v1.32 server: refusals carry a <c>Status</c> body whose
/// <c>message</c> says what happened; server-side apply of an unknown field answers 500 "failed to create typed patch
/// object ... field not declared in schema"; a strict create answers 400 "strict decoding error"; a violated
/// validation (including CRD CEL rules) answers 422; a missing namespace answers 404 <c>namespaces "x" not found</c>,
/// a kind nobody serves 404 "the server could not find the requested resource".
/// </summary>
public static class ApiErrors
{
    /// <summary>The <see cref="KtException"/> for an HTTP refusal of <paramref name="verb"/> (get, list, apply, delete) on <paramref name="resource"/>.</summary>
    public static KtException Map(HttpStatusCode status, string? body, ResourceRef resource, Exception? inner = null, string verb = "change")
    {
        ArgumentNullException.ThrowIfNull(resource);
        var detail = MessageOf(body) ?? status.ToString();
        return (int)status switch
        {
            500 when detail.Contains("not declared in schema", StringComparison.OrdinalIgnoreCase) =>
                new KtException("KT5201", $"The API server rejected {resource}: a field is not declared in its schema (server-side apply). {detail}", inner),
            400 when detail.Contains("strict decoding error", StringComparison.OrdinalIgnoreCase) =>
                new KtException("KT5202", $"The API server rejected {resource}: strict decoding error (unknown or duplicate field). {detail}", inner),
            400 => new KtException("KT5202", $"The API server rejected {resource} as malformed: {detail}", inner),
            422 => new KtException("KT5203", $"The API server found {resource} invalid: {detail}", inner),
            401 => new KtException("KT5204", $"The API server did not accept the kubeconfig's credentials to {verb} {resource} (expired token or certificate?): {detail}", inner),
            403 => new KtException("KT5204", $"The kubeconfig's user may not {verb} {Plural(resource)} in namespace '{resource.Namespace}' (RBAC; ask for the '{verb}' verb on '{Plural(resource)}'): {detail}", inner),
            404 when detail.StartsWith("namespaces \"", StringComparison.Ordinal) =>
                new KtException("KT5205", $"Namespace '{resource.Namespace}' does not exist: create it (kubectl create namespace {resource.Namespace}) or set KtNamespace to an existing one. {detail}", inner),
            404 when detail.Contains("could not find the requested resource", StringComparison.Ordinal) =>
                new KtException("KT5205", $"The API server does not serve {resource.Kind} in {resource.ApiVersion}: its CRD is not installed (Knative Serving for KtAutoscale, KubeRay for Ray). {detail}", inner),
            404 => new KtException("KT5205", $"{resource} does not exist: {detail}", inner),
            409 => new KtException("KT5206", $"Conflict applying {resource}: another field manager owns some of its fields; re-apply with force to take them over. {detail}", inner),
            _ => new KtException("KT5200", $"The API server answered {(int)status} for {resource}: {detail}", inner),
        };
    }

    /// <summary>True for answers worth retrying: throttled, or the server (or a proxy before it) is briefly unavailable.</summary>
    public static bool IsTransient(HttpStatusCode status, string? body) => (int)status switch
    {
        429 or 502 or 503 or 504 => true,
        500 => MessageOf(body) is { } message && (message.Contains("etcdserver", StringComparison.Ordinal) || message.Contains("timeout", StringComparison.OrdinalIgnoreCase)),
        _ => false,
    };

    /// <summary>The <c>message</c> of a <c>Status</c> body, or the body itself when it is not one.</summary>
    public static string? MessageOf(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(body) is JsonObject { } status && (string?)status["kind"] == "Status" && (string?)status["message"] is { Length: > 0 } message
                ? message
                : body.Trim();
        }
        catch (JsonException)
        {
            return body.Trim();
        }
    }

    /// <summary>
    /// The resource as RBAC and kubectl name it: the plural, qualified by its API group outside the core group
    /// (<c>services.serving.knative.dev</c> is Knative's, not the core <c>services</c>; <c>rayclusters.ray.io</c>).
    /// </summary>
    private static string Plural(ResourceRef resource)
    {
        var plural = resource.Kind.ToLowerInvariant() + "s";
        var slash = resource.ApiVersion.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? plural : $"{plural}.{resource.ApiVersion[..slash]}";
    }
}
