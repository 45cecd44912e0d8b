using Kt.PodRuntime.Observability;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Hosting.Middleware;

/// <summary>
/// Every request as a server span of the caller's trace (its <c>traceparent</c>), when an OTLP endpoint is set. Outside
/// the error envelope, so that a refused request's span still ends with the status the caller got.
/// </summary>
internal static class TracingMiddleware
{
    public static Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var activity = PodTracing.StartRequest(context);
        return activity is null ? next(context) : TracedAsync(context, next, activity);
    }

    private static async Task TracedAsync(HttpContext context, RequestDelegate next, System.Diagnostics.Activity activity)
    {
        using (activity)
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                activity.SetTag("http.response.status_code", context.Response.StatusCode);
                if (context.Response.StatusCode >= 500)
                {
                    PodTracing.Fail(activity, $"HTTP {context.Response.StatusCode}");
                }
            }
        }
    }
}
