using Kt.PodRuntime.Apps;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Supervision;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary>The user's own HTTP app: <c>PUT/GET /app</c> and the proxy <c>/http/{**path}</c> to its port.</summary>
internal sealed class AppEndpoints(RuntimeOptions options, AppHost apps, AppProxy proxy, PodOperations operations, WorkerSupervisor supervisor, RuntimeMetrics metrics, BodyBudget bodies)
    : IEndpointGroup
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPut(PodRoutes.App, ConfigureAppAsync);
        routes.MapGet(PodRoutes.App, c => HttpJson.WriteAsync(c, 200, new AppStatus(apps.Settings is not null, apps.IsRunning, apps.Settings?.Port)));
        routes.Map(PodRoutes.AppProxy, (HttpContext c, string? path) => ProxyAsync(c, path ?? string.Empty));
    }

    private async Task ConfigureAppAsync(HttpContext context)
    {
        var settings = await HttpJson.ReadAsync<AppSettings>(context.Request, options.MaxJsonBytes, bodies).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(settings.Command) || settings.Port is <= 0 or > 65535)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "An app needs a command and a port between 1 and 65535.");
        }

        await apps.ConfigureAsync(settings, operations.ActiveDirectory(), supervisor.Environment).ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }

    private Task ProxyAsync(HttpContext context, string path)
    {
        if (apps.Settings is not { } settings)
        {
            throw new RuntimeError(RuntimeErrorCodes.AppNotConfigured, 404, "No app is configured on this pod (PUT /app or --app-command/--app-port).");
        }

        metrics.Touch();
        // An app being restarted (a new version) has its port closed for a moment: that is held, not a 502.
        return proxy.ForwardAsync(context, settings.Port, path, () => apps.IsRunningOrRestarting);
    }
}
