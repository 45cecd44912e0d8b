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
    /// Builds the code's manifest. Share one between the deploys of a folder (a session does): it remembers each file's
    /// stamp and digest, so a deploy re-hashes only what changed since the last one.
    /// </summary>
    public ManifestBuilder Manifests { get; init; } = new();

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
        var since = Manifests.LastBuilt;
        var manifestTask = Task.Run(() => Manifests.BuildAsync(request.CodeDirectory, request.ExcludedFolders, cancellationToken), cancellationToken);
        // Dev pods install the versions production images get: the committed lockfile's pins, where it has the step.
        var image = LockPinning.ApplyWhereLocked(new DefinitionResolver(request.ProjectDirectory).Resolve(request.Image with { App = null }),
            Path.Combine(request.ProjectDirectory, ImageLock.FileName));
        var compile = Lap(clock);

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
            var bases = new PodBaseResolutions(request.ProjectDirectory, request.Image with { App = null });
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
            var syncs = await Task.WhenAll(clients.Select((c, i) => Refusals(PodOf(i), "code sync", c.SyncAsync(request.CodeDirectory, manifest, version, since, cancellationToken)))).ConfigureAwait(false);
            var sync = Lap(clock);

            // A pod that said it was ready with the version when the sync answered is not asked again.
            tracing.Phase("ready");
            OnPhase?.Invoke("ready");
            await Task.WhenAll(clients.Select((c, i) => syncs[i].Ready ? Task.CompletedTask : c.WaitReadyAsync(version, request.ReadyTimeout, cancellationToken))).ConfigureAwait(false);
            var ready = Lap(clock);

            var finalPods = pods with { Pods = pods.Pods.Select((p, i) => setups[i].Replaced ?? p).ToList() };
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
    private async Task<(int Steps, PodEndpoint? Replaced)> SetupAsync(PodEndpoint pod, PodClient client, ResolvedImage image, PodBaseResolutions bases, ServiceSpec spec, CancellationToken cancellationToken)
    {
        PodEndpoint? replaced = null;
        var journal = await client.GetJournalStateAsync(cancellationToken).ConfigureAwait(false);
        image = bases.For(journal.Base, image);
        var plan = LivePlanner.Plan(image, journal.Entries);
        if (plan.RecreateRequired)
        {
            // What the backend would refuse of the fresh pod's plan is refused before the running pod goes.
            _ = backend.Adapt(LivePlanner.Plan(image, []), spec, pod);
            output?.Invoke($"[{pod.Name}] recreating: {plan.RecreateReason}");
            replaced = await backend.RecreateAsync(spec, pod.Rank, cancellationToken).ConfigureAwait(false);
            pod = replaced;
            using var fresh = Connect(pod);
            return (await ApplyAsync(pod, fresh, LivePlanner.Plan(image, []), setupFailed: false, image, spec, cancellationToken).ConfigureAwait(false), replaced);
        }

        return (await ApplyAsync(pod, client, plan, journal.SetupFailed, image, spec, cancellationToken).ConfigureAwait(false), replaced);
    }

    private async Task<int> ApplyAsync(PodEndpoint pod, PodClient client, LivePlan plan, bool setupFailed, ResolvedImage image, ServiceSpec spec, CancellationToken cancellationToken)
    {
        // A pod with a journal already has this definition's environment; a fresh one gets the plan even without steps,
        // so that its environment and working directory are the definition's from the first call on. A pod whose last
        // plan failed gets it too: the failing step may just have been removed, and only a plan clears the failure.
        if (plan.IsEmpty && plan.JournalLength > 0 && !setupFailed)
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
