using System.Text.Json;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Supervision;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary><c>/health</c>, the kubelet's <c>/health/ready</c> (both without a token), <c>/ready</c> and <c>/metrics</c>.</summary>
internal sealed class HealthEndpoints(RuntimeOptions options, RuntimeState state, PodReadiness readiness, WorkerSupervisor supervisor, RuntimeMetrics metrics)
    : IEndpointGroup
{
    // Prepared once: no serializer work on the paths a fresh pod answers first.
    private static readonly byte[] ProbeReady = "{\"ready\":true}"u8.ToArray();
    private static readonly byte[] ProbeNotReady = "{\"ready\":false}"u8.ToArray();

    public void Map(IEndpointRouteBuilder routes)
    {
        var health = JsonSerializer.SerializeToUtf8Bytes(new HealthResponse("ok", options.Service, options.PodName), PodJsonContext.Default.HealthResponse);
        routes.MapGet(PodRoutes.Health, c => HttpJson.WriteRawAsync(c, 200, health)).WithMetadata(AnonymousRoute.Instance);
        routes.MapGet(PodRoutes.ReadinessProbe, c => Answered(readiness.IsReady(null))
            ? HttpJson.WriteRawAsync(c, 200, ProbeReady)
            : HttpJson.WriteRawAsync(c, 503, ProbeNotReady)).WithMetadata(AnonymousRoute.Instance);
        routes.MapGet(PodRoutes.Ready, ReadyAsync);
        routes.MapGet(PodRoutes.Metrics, c =>
        {
            c.Response.ContentType = "text/plain; version=0.0.4";
            return c.Response.WriteAsync(metrics.Render());
        });
    }

    private bool Answered(bool ready)
    {
        if (ready)
        {
            state.NoteReadyAnswered();
        }

        return ready;
    }

    private Task ReadyAsync(HttpContext context)
    {
        var wanted = context.Request.Query["version"].ToString();
        var ready = Answered(readiness.IsReady(wanted.Length == 0 ? null : wanted));
        return HttpJson.WriteAsync(context, ready ? 200 : 503, new ReadyResponse(ready, supervisor.ServingVersion, state.Setup,
            supervisor.LastOomKill is { } oom ? new OomKillReport(oom.At, oom.LimitBytes, oom.PeakBytes) : null));
    }
}
