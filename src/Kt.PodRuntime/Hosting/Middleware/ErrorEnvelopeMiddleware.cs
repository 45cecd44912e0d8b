using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Observability;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Hosting.Middleware;

/// <summary>
/// The outermost step of every request: counts it, gives it a request id (the caller's, when printable and short) and
/// turns whatever a handler throws into the one error envelope with its KT code, never a bare 500 or a stack trace.
/// </summary>
internal sealed class ErrorEnvelopeMiddleware(RuntimeMetrics metrics, PodErrors errors)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        metrics.Requests.Increment();
        var requestId = context.Request.Headers[PodRoutes.RequestIdHeader].ToString();
        if (requestId.Length is 0 or > 128 || requestId.Any(c => c < 0x21 || c > 0x7E))
        {
            requestId = RequestIds.Next();
        }

        PodErrors.SetRequestId(context, requestId);
        context.Response.Headers[PodRoutes.RequestIdHeader] = requestId;
        try
        {
            await next(context).ConfigureAwait(false);
            // Routing refuses an unknown route (404) or a wrong method (405) itself, with no body: those get the envelope too.
            if (!context.Response.HasStarted && RoutingRefusal(context) is { } refusal)
            {
                await HttpJson.WriteErrorAsync(context, errors.Envelope(refusal, context) with { Version = null }).ConfigureAwait(false);
            }
        }
        catch (RuntimeError error) when (error.Status == 401)
        {
            await HttpJson.WriteErrorAsync(context, PodErrors.Anonymous(error, context)).ConfigureAwait(false);
        }
        catch (RuntimeError error)
        {
            await HttpJson.WriteErrorAsync(context, errors.Envelope(error, context)).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await HttpJson.WriteErrorAsync(context, errors.Envelope(new RuntimeError(RuntimeErrorCodes.MalformedRequest, ex.StatusCode, ex.Message), context) with { Version = null }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the caller went away
        }
        catch (Exception ex) when (EnvironmentFaults.Classify(ex) is { } fault)
        {
            // The pod's disk is full, or its root not writable: the pod's environment, with its own code, not KT4099.
            await HttpJson.WriteErrorAsync(context, errors.Envelope(new RuntimeError(fault.Code, 507, fault.Detail), context)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or KtException)
        {
            await HttpJson.WriteErrorAsync(context, errors.Envelope(new RuntimeError(RuntimeErrorCodes.Internal, 500, $"The runtime failed: {ex.Message}"), context)).ConfigureAwait(false);
        }
    }

    // Only routing's own answers: no endpoint matched (404), or routing's 405 endpoint did. An app behind /http/* that
    // answers 404 or 405 itself has a real endpoint (the proxy) and keeps its answer as it is.
    private static RuntimeError? RoutingRefusal(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var what = $"{context.Request.Method} {context.Request.Path}";
        return context.Response.StatusCode switch
        {
            404 when endpoint is null => new RuntimeError(RuntimeErrorCodes.RouteNotFound, 404, $"The pod has no route {what} (docs/pod-runtime.md lists them)."),
            405 when endpoint?.DisplayName?.StartsWith("405", StringComparison.Ordinal) == true =>
                new RuntimeError(RuntimeErrorCodes.MethodNotAllowed, 405, $"{what}: this route does not take {context.Request.Method}{(context.Response.Headers.Allow.Count > 0 ? $" (it takes {context.Response.Headers.Allow})" : "")}."),
            _ => null,
        };
    }
}
