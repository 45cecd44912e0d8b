using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Journal;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary>Code sync: blob queries and uploads, activation, the one-round-trip deploy, the active version and its manifest.</summary>
internal sealed class SyncEndpoints(
    RuntimeOptions options, BlobStore blobs, VersionStore versions, PodOperations operations, PodReadiness readiness, RuntimeMetrics metrics, BodyBudget bodies, JournalStore journal, RuntimeState state)
    : IEndpointGroup
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(PodRoutes.SyncManifest, c => versions.Active is { } active && versions.ActiveManifest() is { } manifest
            ? HttpJson.WriteAsync(c, 200, new ActivateRequest(active.Version, manifest))
            : throw new RuntimeError(RuntimeErrorCodes.NoActiveVersion, 404, "This pod has no synced version."));
        routes.MapGet(PodRoutes.SyncBlobs, (HttpContext c, string sha256) => GetBlobAsync(c, sha256));
        routes.MapGet(PodRoutes.SyncActive, c => HttpJson.WriteAsync(c, 200, versions.Active));
        var changes = routes.MapGroup(string.Empty).WithMetadata(ChangesPodRoute.Instance);
        changes.MapPost(PodRoutes.SyncMissing, MissingAsync);
        changes.MapPut(PodRoutes.SyncBlobs, (HttpContext c, string sha256) => PutBlobAsync(c, sha256));
        changes.MapPost(PodRoutes.SyncActivate, ActivateAsync);
        changes.MapPost(PodRoutes.SyncDeploy, DeployAsync);
        changes.MapPost(PodRoutes.SyncDeployChanges, DeployChangesAsync);
    }

    private async Task MissingAsync(HttpContext context)
    {
        var request = await HttpJson.ReadAsync<MissingRequest>(context.Request, options.MaxJsonBytes, bodies, options.MaxManifestEntries).ConfigureAwait(false);
        IReadOnlyList<ContentEntry> entries;
        if (request.Files is { } files && request.Blobs is null)
        {
            var manifest = new ContentManifest(files);
            PathRules.Validate(manifest, options.MaxBlobBytes);
            entries = manifest.Files;
        }
        else if (request.Blobs is { } bare && request.Files is null)
        {
            entries = bare.Select(BlobEntry).ToList();
        }
        else
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "Ask about either 'files' (a manifest) or 'blobs' (hash and size), not both or neither.");
        }

        var missing = await blobs.MissingAsync(entries, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteAsync(context, 200, new MissingResponse(missing.Select(f => f.Sha256).ToList(), missing.Sum(f => f.Size))).ConfigureAwait(false);
    }

    // A bare blob is checked like a manifest entry (hash form, size limit); its path only names it in messages.
    private ContentEntry BlobEntry(BlobRef? blob)
    {
        if (blob is null)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "The blob list contains a null entry.");
        }

        PathRules.ValidateHash(blob.Sha256);
        if (blob.Size < 0 || blob.Size > options.MaxBlobBytes)
        {
            throw new RuntimeError(RuntimeErrorCodes.BlobTooLarge, 413, $"Blob {blob.Sha256} declares {blob.Size} bytes; the limit is {options.MaxBlobBytes}.");
        }

        return new ContentEntry(blob.Sha256, blob.Size, 420, blob.Sha256);
    }

    private async Task PutBlobAsync(HttpContext context, string sha256)
    {
        PathRules.ValidateHash(sha256);
        if (context.Request.ContentLength > options.MaxBlobBytes)
        {
            throw new RuntimeError(RuntimeErrorCodes.BlobTooLarge, 413, $"Blob {sha256} is over the limit of {options.MaxBlobBytes} bytes.");
        }

        var counting = new CountingStream(context.Request.Body);
        var stored = await blobs.PutAsync(sha256, counting, options.MaxBlobBytes, context.RequestAborted).ConfigureAwait(false);
        metrics.SyncBytes.Add(counting.BytesRead);
        metrics.Touch();
        await HttpJson.WriteAsync(context, stored ? 201 : 200, new BlobStored(sha256, stored)).ConfigureAwait(false);
    }

    private async Task GetBlobAsync(HttpContext context, string sha256)
    {
        PathRules.ValidateHash(sha256);
        if (!blobs.Contains(sha256))
        {
            throw new RuntimeError(RuntimeErrorCodes.UnknownBlob, 404, $"Blob {sha256} is not on this pod.");
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/octet-stream";
        await context.Response.SendFileAsync(blobs.PathOf(sha256), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task ActivateAsync(HttpContext context)
    {
        var request = await ReadActivationAsync(context).ConfigureAwait(false);
        // Activation finishes even if the client leaves: a half-finished switch is what this design rules out.
        var (active, reused) = await operations.ActivateAsync(request.Version, request.Manifest).ConfigureAwait(false);
        metrics.Touch();
        await HttpJson.WriteAsync(context, 200, new ActivateResult(active.Version, active.Files, active.Bytes, reused)).ConfigureAwait(false);
    }

    // Activate, or say what is missing: a publish that changed nothing costs this one request per pod.
    private async Task DeployAsync(HttpContext context)
    {
        var request = await ReadActivationAsync(context).ConfigureAwait(false);
        RefuseWhenJournalMoved(request.Journal);
        VersionStore.ValidateVersionId(request.Version);
        PathRules.Validate(request.Manifest, options.MaxBlobBytes);
        var missing = await blobs.MissingAsync(request.Manifest.Files, context.RequestAborted).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            await HttpJson.WriteAsync(context, 200, new DeployResponse(null, missing.Select(f => f.Sha256).ToList(), missing.Sum(f => f.Size))).ConfigureAwait(false);
            return;
        }

        var (active, reused) = await operations.ActivateAsync(request.Version, request.Manifest).ConfigureAwait(false);
        metrics.Touch();
        await HttpJson.WriteAsync(context, 200, new DeployResponse(new ActivateResult(active.Version, active.Files, active.Bytes, reused), [], 0, readiness.IsReady(active.Version))).ConfigureAwait(false);
    }

    // As DeployAsync with only what changed since the active manifest: reading, checking and asking for blobs cost what
    // changed, not what the app holds (issue 21 point 6).
    private async Task DeployChangesAsync(HttpContext context)
    {
        var changes = await HttpJson.ReadAsync<ManifestChanges>(context.Request, options.MaxJsonBytes, bodies, options.MaxManifestEntries, around: 2).ConfigureAwait(false);
        RefuseWhenJournalMoved(changes.Journal);
        VersionStore.ValidateVersionId(changes.Version);
        var manifest = versions.ApplyChanges(changes, options.MaxBlobBytes);
        if (manifest.Files.Count > options.MaxManifestEntries)
        {
            throw new RuntimeError(RuntimeErrorCodes.TooManyEntries, 413, $"The changes make a manifest of {manifest.Files.Count} entries; the limit is {options.MaxManifestEntries}.");
        }

        var missing = await blobs.MissingAsync(changes.Changed, context.RequestAborted).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            await HttpJson.WriteAsync(context, 200, new DeployResponse(null, missing.Select(f => f.Sha256).ToList(), missing.Sum(f => f.Size))).ConfigureAwait(false);
            return;
        }

        var (active, reused) = await operations.ActivateAsync(changes.Version, manifest, changes.Changed).ConfigureAwait(false);
        metrics.Touch();
        await HttpJson.WriteAsync(context, 200, new DeployResponse(new ActivateResult(active.Version, active.Files, active.Bytes, reused), [], 0, readiness.IsReady(active.Version))).ConfigureAwait(false);
    }

    // A deploy that skipped reading the journal (nothing it knew of changed) says which journal it planned against.
    private void RefuseWhenJournalMoved(string? expected)
    {
        if (expected is not null && JournalDigest.Compute(journal.Entries, state.Setup) != expected)
        {
            throw new RuntimeError(RuntimeErrorCodes.JournalChanged, 409,
                "This pod's setup journal changed since the deploy planned against it (another deploy, or a replaced pod); plan the setup again from GET /journal.");
        }
    }

    private async Task<ActivateRequest> ReadActivationAsync(HttpContext context)
    {
        var request = await HttpJson.ReadAsync<ActivateRequest>(context.Request, options.MaxJsonBytes, bodies, options.MaxManifestEntries, around: 2).ConfigureAwait(false);
        return request.Manifest is null
            ? throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "The activation has no manifest.")
            : request;
    }
}
