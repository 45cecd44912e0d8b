using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Hosting.Endpoints;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Hosting.Middleware;

/// <summary>
/// Every route needs <c>Authorization: Bearer &lt;token&gt;</c> unless it is marked <see cref="AnonymousRoute"/>; a path
/// that matches no route needs it too, so that an unauthenticated caller cannot even learn which routes exist.
/// </summary>
internal sealed class BearerAuthMiddleware(BearerToken token)
{
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (IsAnonymous(context) || token.Matches(context.Request.Headers.Authorization.ToString()))
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        throw new RuntimeError(RuntimeErrorCodes.Unauthorized, 401, "A valid 'Authorization: Bearer <token>' header is required.");
    }

    public static bool IsAnonymous(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<AnonymousRoute>() is not null;
}
