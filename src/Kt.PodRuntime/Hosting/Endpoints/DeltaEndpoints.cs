using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Supervision;
using Kt.PodRuntime.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary>
/// IL deltas (<c>kt watch</c>'s fast path): <c>GET /code/delta</c> says what the worker's runtime can apply, <c>POST
/// /code/delta</c> applies one generation of deltas to the running worker, fenced by version (docs/pod-runtime.md);
/// <c>POST /code/settle</c> makes the whole build behind them the version on disk, the worker untouched.
/// </summary>
internal sealed class DeltaEndpoints(
    RuntimeOptions options, WorkerSupervisor supervisor, RuntimeMetrics metrics, BodyBudget bodies, BlobStore blobs, PodOperations operations) : IEndpointGroup
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(PodRoutes.CodeDelta, async c =>
            await HttpJson.WriteAsync(c, 200, new DeltaCapabilities(await operations.DeltaCapabilitiesAsync(c.RequestAborted).ConfigureAwait(false), supervisor.ServingVersion)).ConfigureAwait(false));
        routes.MapPost(PodRoutes.CodeDelta, ApplyAsync).WithMetadata(ChangesPodRoute.Instance);
        routes.MapPost(PodRoutes.CodeSettle, SettleAsync).WithMetadata(ChangesPodRoute.Instance);
    }

    private async Task ApplyAsync(HttpContext context)
    {
        var request = await HttpJson.ReadAsync<DeltaRequest>(context.Request, options.MaxJsonBytes, bodies).ConfigureAwait(false);
        var version = await operations.ApplyDeltaAsync(request, context.RequestAborted).ConfigureAwait(false);
        metrics.Touch();
        await HttpJson.WriteAsync(context, 200, new DeltaResult(version)).ConfigureAwait(false);
    }

    // As POST /sync/deploy: settled when every blob is here, else the missing ones named (the client uploads, asks again).
    private async Task SettleAsync(HttpContext context)
    {
        var request = await HttpJson.ReadAsync<SettleRequest>(context.Request, options.MaxJsonBytes, bodies, options.MaxManifestEntries, around: 2).ConfigureAwait(false);
        if (request.Manifest is null || string.IsNullOrEmpty(request.ServingVersion))
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "The settle request needs the served version and a manifest.");
        }

        VersionStore.ValidateVersionId(request.Version);
        PathRules.Validate(request.Manifest, options.MaxBlobBytes);
        var missing = await blobs.MissingAsync(request.Manifest.Files, context.RequestAborted).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            await HttpJson.WriteAsync(context, 200, new DeployResponse(null, missing.Select(f => f.Sha256).ToList(), missing.Sum(f => f.Size))).ConfigureAwait(false);
            return;
        }

        var settled = await operations.SettleAsync(request.ServingVersion, request.Version, request.Manifest).ConfigureAwait(false);
        metrics.Touch();
        await HttpJson.WriteAsync(context, 200, new DeployResponse(new ActivateResult(settled.Version, settled.Files, settled.Bytes, false), [], 0, true)).ConfigureAwait(false);
    }
}
