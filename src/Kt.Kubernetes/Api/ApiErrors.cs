using System.Net;
using Kt.Core;

namespace Kt.Kubernetes.Api;

/// <summary>
/// Maps API server refusals to KT codes. Facts of a v1.32 server: server-side apply of an unknown field answers
/// 500 "failed to create typed patch object ... field not declared in schema"; a strict create answers 400
/// "strict decoding error"; a violated validation (including CRD CEL rules) answers 422.
/// </summary>
public static class ApiErrors
{
    /// <summary>The <see cref="KtException"/> for an HTTP refusal of a request about <paramref name="resource"/>.</summary>
    public static KtException Map(HttpStatusCode status, string? body, ResourceRef resource, Exception? inner = null)
    {
        var detail = string.IsNullOrWhiteSpace(body) ? status.ToString() : body.Trim();
        return (int)status switch
        {
            500 when detail.Contains("not declared in schema", StringComparison.OrdinalIgnoreCase) =>
                new KtException("KT5201", $"The API server rejected {resource}: a field is not declared in its schema (server-side apply). {detail}", inner),
            400 when detail.Contains("strict decoding error", StringComparison.OrdinalIgnoreCase) =>
                new KtException("KT5202", $"The API server rejected {resource}: strict decoding error (unknown or duplicate field). {detail}", inner),
            400 => new KtException("KT5202", $"The API server rejected {resource} as malformed: {detail}", inner),
            422 => new KtException("KT5203", $"The API server found {resource} invalid: {detail}", inner),
            401 or 403 => new KtException("KT5204", $"Not allowed to change {resource} (check your kubeconfig user and RBAC): {detail}", inner),
            404 => new KtException("KT5205", $"The API server does not serve {resource.Kind} in {resource.ApiVersion} (is the operator/CRD installed? Knative for autoscale, KubeRay for Ray) or namespace '{resource.Namespace}' does not exist: {detail}", inner),
            409 => new KtException("KT5206", $"Conflict applying {resource}: another field manager owns some of its fields; re-apply with force to take them over. {detail}", inner),
            _ => new KtException("KT5200", $"The API server answered {(int)status} for {resource}: {detail}", inner),
        };
    }
}
