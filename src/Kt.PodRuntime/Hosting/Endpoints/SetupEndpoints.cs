using System.Text.Json;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Journal;
using Kt.PodRuntime.Supervision;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary><c>GET /journal</c>, <c>POST /setup/plan</c> (NDJSON plan events) and <c>GET /setup/replay</c> for a new peer.</summary>
internal sealed class SetupEndpoints(RuntimeOptions options, RuntimeState state, JournalStore journal, PlanApplier applier, PodOperations operations, PodErrors errors, BodyBudget bodies)
    : IEndpointGroup
{
    // A plan names its lists itself: a member left out is a broken client, not "empty" (that would wipe the journal).
    private static readonly string[] LivePlanRequiredMembers = ["steps", "keepPrefix", "expectedPrefix", "environment"];

    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapGet(PodRoutes.Journal, c => HttpJson.WriteAsync(c, 200, new JournalResponse(journal.Entries, state.Setup, UserEnvironment.Base)));
        var setup = routes.MapGroup(string.Empty).WithMetadata(ChangesPodRoute.Instance);
        setup.MapPost(PodRoutes.SetupPlan, ApplyPlanAsync);
        // What a new pod replays from a running one: its whole setup, its code manifest and the blobs behind both.
        setup.MapGet(PodRoutes.SetupReplay, ReplayAsync);
    }

    private Task ReplayAsync(HttpContext context)
    {
        var epoch = context.Request.Query["epoch"].ToString();
        if (epoch != (options.SetupEpoch ?? ""))
        {
            throw new RuntimeError(RuntimeErrorCodes.NothingToReplay, 404, $"This pod's setup belongs to epoch '{options.SetupEpoch}', not '{epoch}'.");
        }

        return journal.ReplayPlan() is { } replay
            ? HttpJson.WriteAsync(context, 200, replay)
            : throw new RuntimeError(RuntimeErrorCodes.NothingToReplay, 404, "This pod has no setup to replay.");
    }

    private async Task ApplyPlanAsync(HttpContext context)
    {
        var plan = await ReadPlanAsync(context.Request).ConfigureAwait(false);
        await applier.ValidateAsync(plan, context.RequestAborted).ConfigureAwait(false); // refusals are plain 4xx answers
        if (!applier.TryAcquire())
        {
            throw new RuntimeError(RuntimeErrorCodes.PlanInProgress, 409, "Another plan is being applied on this pod.");
        }

        try
        {
            // A caller that leaves (Ctrl+C on a deploy, a dropped connection) cancels the running step: it is killed and
            // not journaled, so the next deploy runs it again, instead of a step nobody waits for being recorded as done.
            var stream = NdJsonWriter.Start(context);
            ValueTask Emit(PlanEvent e) => stream.WriteAsync(e, PodJsonContext.Default.PlanEvent);
            try
            {
                var changed = await operations.ApplyPlanAsync(plan, Emit, context.RequestAborted).ConfigureAwait(false);
                await Emit(new PlanEvent { Event = PodEvents.Done, JournalLength = journal.Entries.Count, EnvironmentChanged = changed }).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // Nobody listens any more: the journal already says what ran.
            }
            catch (RuntimeError error)
            {
                await Emit(new PlanEvent { Event = PodEvents.Error, Error = errors.Envelope(error, context) }).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
            {
                var error = new RuntimeError(RuntimeErrorCodes.StepFailed, 500, $"A step could not run: {ex.Message}");
                await Emit(new PlanEvent { Event = PodEvents.Error, Error = errors.Envelope(error, context) }).ConfigureAwait(false);
            }
        }
        finally
        {
            applier.Release();
        }
    }

    private async Task<LivePlan> ReadPlanAsync(HttpRequest request)
    {
        using var body = await HttpJson.ReadBodyAsync(request, options.MaxJsonBytes, bodies).ConfigureAwait(false);
        // Every object of a plan counts (its file lists' entries, steps and environments), beside the plan itself.
        HttpJson.RefuseOverEntries(body.Memory.Span, options.MaxManifestEntries, around: 1);
        try
        {
            using var document = JsonDocument.Parse(body.Memory);
            var absent = document.RootElement.ValueKind != JsonValueKind.Object
                ? LivePlanRequiredMembers
                : LivePlanRequiredMembers.Where(name => !document.RootElement.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null).ToArray();
            if (absent.Length > 0)
            {
                throw new RuntimeError(RuntimeErrorCodes.InvalidPlan, 400, $"The plan is missing {string.Join(", ", absent.Select(a => $"'{a}'"))}; nothing was changed.");
            }

            return document.RootElement.Deserialize(PodJsonContext.Default.LivePlan)!;
        }
        catch (JsonException ex)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, $"The request body is not valid JSON for LivePlan: {ex.Message}");
        }
    }
}
