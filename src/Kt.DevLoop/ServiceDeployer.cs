using System.Diagnostics;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler.Locking;
using Kt.ImageCompiler.Planning;
using Kt.ImageCompiler.Resolution;
using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop;

/// <summary>
/// The dev loop's one operation, in named phases: <b>compile</b> the definition, make sure the <b>pods</b> exist,
/// apply each pod's differential <b>setup</b> plan (only steps its journal lacks), <b>sync</b> the code (only blobs a
/// pod lacks) and wait until every pod is <b>ready</b> with the new version. Phases run for all pods in parallel.
/// </summary>
public sealed class ServiceDeployer
{
    private readonly IComputeBackend backend;
    private readonly Action<string>? output;
    private readonly HttpMessageHandler? transport;

    public ServiceDeployer(IComputeBackend backend, Action<string>? output = null)
        : this(backend, output, transport: null)
    {
    }

    /// <summary>Talks to the pods through <paramref name="transport"/> (tests: an in-memory pod speaking the protocol).</summary>
    internal ServiceDeployer(IComputeBackend backend, Action<string>? output, HttpMessageHandler? transport)
    {
        this.backend = backend;
        this.output = output;
        this.transport = transport;
    }

    /// <summary>
    /// Told the name of each phase as it begins (<c>pods</c>, <c>setup</c>, <c>sync</c>, <c>ready</c>), so a terminal can
    /// show where a deploy is; called on the deploy's own flow, before any line of that phase.
    /// </summary>
    public Action<string>? OnPhase { get; init; }

    /// <summary>
    /// What the deploys of a session remember between them (<see cref="DeployMemory"/>). Share one between the deploys of
    /// a service (a <c>DeploySession</c> does): a deploy then re-hashes only changed files, sends only the manifest's
    /// changes, and — when the setup has nothing to run — skips finding the pods and reading their journals.
    /// </summary>
    public DeployMemory Memory { get; init; } = new();

    public async Task<DeployReport> DeployAsync(DeployRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        using var tracing = new DeployTracing(request.Service.Service);
        try
        {
            return await DeployTracedAsync(request, tracing, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            tracing.Failed(ex);
            throw;
        }
    }

    private async Task<DeployReport> DeployTracedAsync(DeployRequest request, DeployTracing tracing, CancellationToken cancellationToken)
    {
        var spec = request.Service.Validate();
        var clock = Stopwatch.StartNew();

        // The code's manifest does not depend on the pods: it is hashed while they are found and set up.
        // What the previous deploy of this session synced: only the changes since travel (a pod serving another base says so).
        var since = Memory.Manifests.LastBuilt;
        var manifestTask = Task.Run(() => Memory.Manifests.BuildAsync(request.CodeDirectory, request.ExcludedFolders, cancellationToken), cancellationToken);
        // Dev pods install the versions production images get: the committed lockfile's pins, where it has the step.
        var image = LockPinning.ApplyWhereLocked(new DefinitionResolver(request.ProjectDirectory).Resolve(request.Image with { App = null }),
            Path.Combine(request.ProjectDirectory, ImageLock.FileName));
        var compile = Lap(clock);
        var bases = new PodBaseResolutions(request.ProjectDirectory, request.Image with { App = null });

        var last = Memory.Last;
        Memory.Last = null; // remembered again once this deploy finishes
        if (last is not null && last.Backend == backend.Name && last.Spec == spec && NothingToSet(last, image, bases)
            && await TrySyncOnlyAsync(request, last, manifestTask, since, compile, clock, cancellationToken).ConfigureAwait(false) is { } quick)
        {
            Memory.Last = last;
            return quick;
        }

        tracing.Phase("pods");
        OnPhase?.Invoke("pods");
        backend.Preflight(spec, image);
        var pods = await backend.EnsureAsync(spec, cancellationToken).ConfigureAwait(false);
        var podsTime = Lap(clock);

        var clients = pods.Pods.Select(p => Connect(p)).ToArray();
        try
        {
            tracing.Phase("setup");
            OnPhase?.Invoke("setup");
            var setups = await Task.WhenAll(pods.Pods.Select((pod, i) => Refusals(pod, "setup", SetupAsync(pod, clients[i], image, bases, spec, cancellationToken)))).ConfigureAwait(false);
            for (var i = 0; i < setups.Length; i++)
            {
                if (setups[i].Replaced is { } replaced)
                {
                    clients[i].Dispose();
                    clients[i] = Connect(replaced);
                }
            }

            var setup = Lap(clock);
            PodEndpoint PodOf(int i) => setups[i].Replaced ?? pods.Pods[i];

            tracing.Phase("sync");
            OnPhase?.Invoke("sync");
            var manifest = await manifestTask.ConfigureAwait(false);
            var version = PodClient.VersionOf(manifest);
            var syncs = await Task.WhenAll(clients.Select((c, i) => Refusals(PodOf(i), "code sync", c.SyncAsync(request.CodeDirectory, manifest, version, since, cancellationToken: cancellationToken)))).ConfigureAwait(false);
            var sync = Lap(clock);

            // A pod that said it was ready with the version when the sync answered is not asked again.
            tracing.Phase("ready");
            OnPhase?.Invoke("ready");
            await Task.WhenAll(clients.Select((c, i) => syncs[i].Ready ? Task.CompletedTask : c.WaitReadyAsync(version, request.ReadyTimeout, cancellationToken))).ConfigureAwait(false);
            var ready = Lap(clock);

            var finalPods = pods with { Pods = pods.Pods.Select((p, i) => setups[i].Replaced ?? p).ToList() };
            Memory.Last = new DeployMemory.LastDeploy(backend.Name, spec, finalPods with { Created = 0 }, setups.Select(s => s.Journal).ToList());
            return new DeployReport
            {
                Pods = finalPods,
                Version = version,
                StepsRun = setups.Max(s => s.Steps),
                Recreated = setups.Count(s => s.Replaced is not null),
                Files = manifest.Files.Count,
                Bytes = manifest.Files.Sum(f => f.Size),
                UploadedBlobs = syncs.Sum(s => s.UploadedBlobs),
                UploadedBlobsPerPod = syncs.Select(s => s.UploadedBlobs).DefaultIfEmpty(0).Max(),
                UploadedBytes = syncs.Sum(s => s.UploadedBytes),
                Timings = new DeployTimings(compile, podsTime, setup, sync, ready),
            };
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Computes and applies one pod's plan; a pod whose setup cannot change in place is replaced first.</summary>
    /// <returns>The steps run, the pod that replaced this one, and the pod's journal once its setup is done.</returns>
    private async Task<(int Steps, PodEndpoint? Replaced, JournalResponse Journal)> SetupAsync(PodEndpoint pod, PodClient client, ResolvedImage image, PodBaseResolutions bases, ServiceSpec spec, CancellationToken cancellationToken)
    {
        var journal = await client.GetJournalStateAsync(cancellationToken).ConfigureAwait(false);
        image = bases.For(journal.Base, image);
        var plan = LivePlanner.Plan(image, journal.Entries);
        if (plan.RecreateRequired)
        {
            // What the backend would refuse of the fresh pod's plan is refused before the running pod goes.
            _ = backend.Adapt(LivePlanner.Plan(image, []), spec, pod);
            output?.Invoke($"[{pod.Name}] recreating: {plan.RecreateReason}");
            var replaced = await backend.RecreateAsync(spec, pod.Rank, cancellationToken).ConfigureAwait(false);
            using var fresh = Connect(replaced);
            var ran = await ApplyAsync(replaced, fresh, LivePlanner.Plan(image, []), setupFailed: false, image, spec, cancellationToken).ConfigureAwait(false);
            return (ran, replaced, await fresh.GetJournalStateAsync(cancellationToken).ConfigureAwait(false));
        }

        if (!NeedsPlan(plan, journal))
        {
            return (0, null, journal);
        }

        var steps = await ApplyAsync(pod, client, plan, journal.SetupFailed, image, spec, cancellationToken).ConfigureAwait(false);
        return (steps, null, await client.GetJournalStateAsync(cancellationToken).ConfigureAwait(false));
    }

    // A pod with a journal already has this definition's environment; a fresh one gets the plan even without steps,
    // so that its environment and working directory are the definition's from the first call on. A pod whose last
    // plan failed gets it too: the failing step may just have been removed, and only a plan clears the failure.
    private static bool NeedsPlan(LivePlan plan, JournalResponse journal) => plan.RecreateRequired || !(plan.IsEmpty && plan.JournalLength > 0 && !journal.SetupFailed);

    /// <summary>Whether every pod's journal, as the last deploy left it, already has this definition's whole setup.</summary>
    private static bool NothingToSet(DeployMemory.LastDeploy last, ResolvedImage image, PodBaseResolutions bases) =>
        last.Journals.Count == last.Pods.Pods.Count
        && last.Journals.All(journal => !NeedsPlan(LivePlanner.Plan(bases.For(journal.Base, image), journal.Entries), journal));

    /// <summary>
    /// The deploy of a session whose setup has nothing to run on the pods the last deploy left: no pods phase and no
    /// journal read, only the sync, fenced by each pod's journal digest. Null when a pod is gone (it does not answer) or
    /// its journal moved (KT4055): then the whole path runs, which finds or replaces pods and plans their setup again.
    /// </summary>
    private async Task<DeployReport?> TrySyncOnlyAsync(DeployRequest request, DeployMemory.LastDeploy last, Task<ContentManifest> manifestTask, ContentManifest? since,
        double compile, Stopwatch clock, CancellationToken cancellationToken)
    {
        var pods = last.Pods.Pods;
        var clients = pods.Select(p => Connect(p)).ToArray();
        try
        {
            OnPhase?.Invoke("sync");
            var manifest = await manifestTask.ConfigureAwait(false);
            var version = PodClient.VersionOf(manifest);
            SyncResult[] syncs;
            try
            {
                syncs = await Task.WhenAll(clients.Select((c, i) => Refusals(pods[i], "code sync", c.SyncAsync(request.CodeDirectory, manifest, version, since,
                    JournalDigest.Compute(last.Journals[i].Entries, last.Journals[i].Setup), cancellationToken)))).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // KT4055 (the journal moved), a pod gone (nothing answers) or something else on its port (401, 404): the
                // whole path finds or replaces the pods and plans again; a true refusal comes back from it as itself.
                output?.Invoke($"the pods are not as the last deploy left them ({FirstLine(e.Message)}); finding them again");
                clock.Restart();
                return null;
            }

            var sync = Lap(clock);
            OnPhase?.Invoke("ready");
            await Task.WhenAll(clients.Select((c, i) => syncs[i].Ready ? Task.CompletedTask : c.WaitReadyAsync(version, request.ReadyTimeout, cancellationToken))).ConfigureAwait(false);
            var ready = Lap(clock);
            return new DeployReport
            {
                Pods = last.Pods,
                Version = version,
                Files = manifest.Files.Count,
                Bytes = manifest.Files.Sum(f => f.Size),
                UploadedBlobs = syncs.Sum(s => s.UploadedBlobs),
                UploadedBlobsPerPod = syncs.Select(s => s.UploadedBlobs).DefaultIfEmpty(0).Max(),
                UploadedBytes = syncs.Sum(s => s.UploadedBytes),
                Timings = new DeployTimings(compile, 0, 0, sync, ready),
            };
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    private async Task<int> ApplyAsync(PodEndpoint pod, PodClient client, LivePlan plan, bool setupFailed, ResolvedImage image, ServiceSpec spec, CancellationToken cancellationToken)
    {
        if (!plan.RecreateRequired && plan.IsEmpty && plan.JournalLength > 0 && !setupFailed)
        {
            return 0;
        }

        plan = backend.Adapt(plan, spec, pod);
        var planned = plan.Steps.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
        var blobs = image.Steps.Where(s => planned.Contains(s.Key.Hex)).SelectMany(s => s.Files)
            .Select(f => new BlobSource(f.Sha256, f.Size, f.SourcePath)).DistinctBy(b => b.Sha256).ToList();
        await client.UploadMissingAsync(blobs, cancellationToken).ConfigureAwait(false);
        string? running = null;
        var progress = new InlineProgress<PlanEvent>(e =>
        {
            running = e.Event == "step-start" ? e.Key : running;
            if (output is not null)
            {
                Report(pod, e);
            }
        });
        try
        {
            var result = await client.ApplyPlanAsync(plan, progress, cancellationToken).ConfigureAwait(false);
            return result.StepsRun;
        }
        catch (RemoteException e) when (image.Steps.FirstOrDefault(s => s.Key.Hex == running)?.Step?.Origin is { } origin)
        {
            // The pod names the step by its key; the user declared it as an item: say which one (MSBuild points there).
            throw new KtStepException(e.Code ?? RuntimeErrorCodes.StepFailed, $"pod {pod.Name} refused the setup: {e.Error.Message}", origin, e);
        }
    }

    private static string FirstLine(string text) => text.Split('\n')[0];

    private PodClient Connect(PodEndpoint pod) => new(pod.Address, pod.Token, transport);

    /// <summary>
    /// A pod's refusal (its KT4xxx code, e.g. KT4011 a step failed, KT4020 a bad path) leaves the deployer as a
    /// <see cref="KtException"/> with that code, naming the pod and the phase, like every other fault of a deploy.
    /// </summary>
    private static async Task<T> Refusals<T>(PodEndpoint pod, string phase, Task<T> work)
    {
        try
        {
            return await work.ConfigureAwait(false);
        }
        catch (RemoteException ex) when (ex.Code is { Length: > 0 } code)
        {
            throw new KtException(code, $"Pod {pod.Name} refused the {phase}: {ex.Error.Message}", ex);
        }
    }

    private void Report(PodEndpoint pod, PlanEvent e)
    {
        switch (e.Event)
        {
            case "step-start":
                output!($"[{pod.Name}] step {e.Description}");
                break;
            case "output":
                output!($"[{pod.Name}]   {e.Line}");
                break;
        }
    }

    private static double Lap(Stopwatch clock)
    {
        var elapsed = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        return elapsed;
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to a thread pool and reorder lines).</summary>
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
