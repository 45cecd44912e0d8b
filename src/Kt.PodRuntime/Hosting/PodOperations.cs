using Kt.PodRuntime.Apps;
using Kt.PodRuntime.Journal;
using Kt.PodRuntime.Supervision;
using Kt.PodRuntime.Sync;

namespace Kt.PodRuntime.Hosting;

/// <summary>
/// The two state changes of a pod, whoever asks for them (a deploy over HTTP, or the pod itself catching up with a
/// peer when it starts): apply a setup plan, and activate a code version. Each keeps journal, environment, worker and
/// app consistent with the other.
/// </summary>
internal sealed class PodOperations(
    RuntimeOptions options, RuntimeState state, JournalStore journal, PlanApplier applier, VersionStore versions, WorkerSupervisor supervisor, AppHost apps, VersionLeases leases)
{
    private readonly SemaphoreSlim _activation = new(1, 1);

    /// <summary>Runs the plan's steps (the caller holds the applier's gate); the setup state says how it went.</summary>
    /// <param name="cancellationToken">
    /// Ends the running step (its whole process group) and the plan: that step and the ones after it are not journaled,
    /// the environment is not changed, and the setup state goes back to what it was, so the code that served still serves.
    /// </param>
    /// <returns>Whether the user environment changed (the worker and app were restarted with it).</returns>
    public async Task<bool> ApplyPlanAsync(LivePlan plan, Func<PlanEvent, ValueTask> emit, CancellationToken cancellationToken = default)
    {
        var before = state.Setup;
        SetSetup(SetupStates.Applying);
        try
        {
            await applier.ApplyAsync(plan, emit, cancellationToken).ConfigureAwait(false);
            var applied = new AppliedEnvironment(plan.Environment, plan.WorkingDirectory, plan.User);
            var changed = !SameEnvironment(journal.Environment, applied);
            if (changed)
            {
                journal.SaveEnvironment(applied);
                var environment = UserEnvironment.Create(options, applied.Variables, applied.WorkingDirectory, planUser: applied.User);
                await supervisor.SetEnvironmentAsync(environment, CancellationToken.None).ConfigureAwait(false);
                await apps.RestartAsync(ActiveDirectory(), environment).ConfigureAwait(false);
            }

            SetSetup(SetupStates.Ok);
            return changed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            SetSetup(before);
            throw;
        }
        catch
        {
            SetSetup(SetupStates.Failed);
            throw;
        }
    }

    // Journaled with the steps, so that a restart does not forget a failed (or cut-off) setup and report the pod ready.
    private void SetSetup(string setup)
    {
        journal.RecordSetup(setup);
        state.Setup = setup;
    }

    /// <summary>Assembles and activates a version (finishing even if the caller leaves), then serves it.</summary>
    /// <param name="changed">Set for a manifest made of the active one and these changes (only their blobs are asked for).</param>
    public async Task<(ActiveVersion Version, bool Reused)> ActivateAsync(string version, ContentManifest manifest, IReadOnlyList<ContentEntry>? changed = null)
    {
        // One activation at a time, store to prune: the store activates in milliseconds while a worker switch may take a
        // fresh process, so overlapping activations let an earlier one's prune see a later version as active and delete
        // a version stored after it whose worker switch was still queued (its calls then ran from a deleted folder).
        await _activation.WaitAsync().ConfigureAwait(false);
        try
        {
            (ActiveVersion, bool) stored;
            using (var assemble = Observability.PodTracing.StartInternal("assemble version"))
            {
                assemble?.SetTag("kt.version", version);
                stored = await versions.ActivateAsync(version, manifest, options.MaxBlobBytes, CancellationToken.None, changed).ConfigureAwait(false);
            }

            var (active, reused) = stored;
            var directory = versions.DirectoryOf(active);
            using (var reload = Observability.PodTracing.StartInternal("reload worker"))
            {
                reload?.SetTag("kt.version", active.Version);
                await supervisor.ActivateAsync(active.Version, directory, CancellationToken.None).ConfigureAwait(false);
            }

            versions.PointCurrentAtActive();
            await apps.RestartAsync(directory, supervisor.Environment).ConfigureAwait(false);
            await versions.PruneAsync(supervisor.ActiveDirectory, leases.InUse).ConfigureAwait(false);
            return (active, reused);
        }
        finally
        {
            _activation.Release();
        }
    }

    /// <summary>
    /// Truth after speed: the whole build behind the deltas the worker serves as <paramref name="servingVersion"/> becomes
    /// the version on disk. The worker keeps running (its instances and statics stay) and keeps its label; only the
    /// files a later worker, a restarted app or a peer catching up loads change, to exactly the build's output.
    /// </summary>
    public async Task<ActiveVersion> SettleAsync(string servingVersion, string version, ContentManifest manifest)
    {
        await _activation.WaitAsync().ConfigureAwait(false);
        try
        {
            // Checked before the store changes (a pod that moved on keeps its disk as it was), again when switching.
            supervisor.EnsureServes(servingVersion);
            var (active, _) = await versions.ActivateAsync(version, manifest, options.MaxBlobBytes, CancellationToken.None).ConfigureAwait(false);
            var directory = versions.DirectoryOf(active);
            var workerDirectory = await supervisor.SettleAsync(servingVersion, directory, CancellationToken.None).ConfigureAwait(false);
            apps.Settled(directory); // a restarted app starts from these files, the deltas in them
            versions.PointCurrentAtActive();
            // The running worker (and app) still resolve from the folder they loaded: it stays until they move on.
            await versions.PruneAsync(workerDirectory, leases.InUse).ConfigureAwait(false);
            return active;
        }
        finally
        {
            _activation.Release();
        }
    }

    /// <summary>
    /// One generation of IL deltas, to the app's process (a <c>Remote.App</c>, in place) and then the worker, fenced by
    /// the version the worker serves (KT4071 otherwise). The app goes first: when it cannot take them, nothing changed.
    /// </summary>
    /// <returns>The version served now (<c>X+N</c>).</returns>
    public async Task<string> ApplyDeltaAsync(DeltaRequest request, CancellationToken cancellationToken)
    {
        await _activation.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            supervisor.EnsureServes(request.BaseVersion);
            await apps.ApplyDeltaAsync(request.Updates, cancellationToken).ConfigureAwait(false);
            return await supervisor.ApplyDeltaAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _activation.Release();
        }
    }

    /// <summary>What this pod can apply as IL deltas: the worker's runtime's capabilities, and the app's where one runs.</summary>
    public async Task<string> DeltaCapabilitiesAsync(CancellationToken cancellationToken)
    {
        var worker = supervisor.Capabilities;
        if (await apps.DeltaCapabilitiesAsync(cancellationToken).ConfigureAwait(false) is not { } app)
        {
            return worker;
        }

        var shared = app.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        return string.Join(' ', worker.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(shared.Contains));
    }

    public string? ActiveDirectory() => versions.Active is { } active ? versions.DirectoryOf(active) : null;

    private static bool SameEnvironment(AppliedEnvironment? previous, AppliedEnvironment next) =>
        previous is not null && previous.WorkingDirectory == next.WorkingDirectory && previous.User == next.User && previous.Variables.Count == next.Variables.Count
        && previous.Variables.All(kv => next.Variables.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
