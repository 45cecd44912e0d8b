using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Hosting.Endpoints;
using Kt.PodRuntime.Sync;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Hosting.Middleware;

/// <summary>
/// After authentication: a terminating pod takes no new work (the caller retries on another replica), and a frozen
/// image refuses every route that would change its setup or code (<see cref="ChangesPodRoute"/>).
/// </summary>
internal sealed class AdmissionMiddleware(RuntimeState state, VersionStore versions)
{
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (BearerAuthMiddleware.IsAnonymous(context))
        {
            return next(context);
        }

        if (state.Terminating)
        {
            throw new RuntimeError(RuntimeErrorCodes.Terminating, 503, "The pod is terminating; retry on another replica.");
        }

        if (context.GetEndpoint()?.Metadata.GetMetadata<ChangesPodRoute>() is not null)
        {
            versions.RefuseWhenFrozen();
        }

        return next(context);
    }
}
