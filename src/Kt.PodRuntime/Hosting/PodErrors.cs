using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Sync;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Hosting;

/// <summary>Turns a <see cref="RuntimeError"/> into the envelope a caller sees: the pod, its active version, the request id.</summary>
internal sealed class PodErrors(RuntimeOptions options, VersionStore versions)
{
    private const string RequestIdItem = "kt.requestId";

    public ErrorEnvelope Envelope(RuntimeError error, HttpContext context) =>
        error.ToEnvelope(options.PodName, versions.Active?.Version, RequestIdOf(context));

    /// <summary>An envelope for an unauthenticated caller: it learns nothing about the pod, no name, no version.</summary>
    public static ErrorEnvelope Anonymous(RuntimeError error, HttpContext context) => error.ToEnvelope(null, null, RequestIdOf(context));

    /// <summary>A failure the worker reported, stamped with this pod and request.</summary>
    public ErrorEnvelope Stamp(ErrorEnvelope failure, HttpContext context) => failure with { Pod = options.PodName, RequestId = RequestIdOf(context) };

    public static string RequestIdOf(HttpContext context) => (string)context.Items[RequestIdItem]!;

    public static void SetRequestId(HttpContext context, string requestId) => context.Items[RequestIdItem] = requestId;
}
