using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Supervision;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary>
/// IL deltas (<c>kt watch</c>'s fast path): <c>GET /code/delta</c> says what the worker's runtime can apply, <c>POST
/// /code/delta</c> applies one generation of deltas to the running worker, fenced by version (docs/pod-runtime.md).
/// </summary>
internal sealed class DeltaEndpoints(RuntimeOptions options, WorkerSupervisor supervisor, RuntimeMetrics metrics, BodyBudget bodies) : IEndpointGroup
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(PodRoutes.CodeDelta, c => HttpJson.WriteAsync(c, 200, new DeltaCapabilities(supervisor.Capabilities, supervisor.ServingVersion)));
        routes.MapPost(PodRoutes.CodeDelta, ApplyAsync).WithMetadata(ChangesPodRoute.Instance);
    }

    private async Task ApplyAsync(HttpContext context)
    {
        var request = await HttpJson.ReadAsync<DeltaRequest>(context.Request, options.MaxJsonBytes, bodies).ConfigureAwait(false);
        var version = await supervisor.ApplyDeltaAsync(request, context.RequestAborted).ConfigureAwait(false);
        metrics.Touch();
        await HttpJson.WriteAsync(context, 200, new DeltaResult(version)).ConfigureAwait(false);
    }
}
