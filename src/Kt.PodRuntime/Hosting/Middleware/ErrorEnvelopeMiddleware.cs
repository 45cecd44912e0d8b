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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or KtException)
        {
            await HttpJson.WriteErrorAsync(context, errors.Envelope(new RuntimeError(RuntimeErrorCodes.Internal, 500, $"The runtime failed: {ex.Message}"), context)).ConfigureAwait(false);
        }
    }
}
