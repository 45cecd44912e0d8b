using Kt.PodRuntime.Hosting.Endpoints;
using Kt.PodRuntime.Hosting.Middleware;
using Microsoft.AspNetCore.Builder;

namespace Kt.PodRuntime.Hosting;

/// <summary>
/// The HTTP surface of the pod runtime (documented in docs/pod-runtime.md): the middleware every request passes
/// (a span when tracing is on, error envelope and request id, bearer authentication, admission), then one group of routes per feature.
/// </summary>
internal static class RuntimeEndpoints
{
    public static void Map(WebApplication app, ErrorEnvelopeMiddleware envelope, BearerAuthMiddleware auth, AdmissionMiddleware admission, IEnumerable<IEndpointGroup> groups)
    {
        // Routing first, so that authentication and admission read the matched route's metadata.
        app.UseRouting();
        app.Use(TracingMiddleware.InvokeAsync);
        app.Use(envelope.InvokeAsync);
        app.Use(auth.InvokeAsync);
        app.Use(admission.InvokeAsync);
        foreach (var group in groups)
        {
            group.Map(app);
        }
    }
}
