using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Hosting;
using Kt.PodRuntime.Ipc;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Sync;
using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Supervision;

/// <summary>
/// Keeps exactly one current worker: reloads versions in place while unloads verify and the generation limit is not
/// reached, otherwise starts a fresh process and swaps it in once it serves the version; restarts crashed workers.
/// </summary>
public sealed class WorkerSupervisor : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly RuntimeOptions _options;
    private readonly LogHub _logs;
    private readonly RuntimeMetrics _metrics;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly Dictionary<string, ReadOnlyMemory<byte>> _classInits = new(StringComparer.Ordinal);
    private readonly List<DateTimeOffset> _recentCrashes = [];
    private readonly List<(string Version, IReadOnlyList<AssemblyDelta> Updates)> _deltas = []; // applied on _active, in order
    private volatile WorkerHandle? _current;
    private TaskCompletionSource<WorkerHandle> _available = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private UserEnvironment _environment;
    private (string Version, string Directory)? _active;
    private volatile bool _needsFreshWorker;
    private string? _workerRuntimeConfig; // the config text the current worker started with (null: the runtime's own)
    private volatile bool _terminating;
    private int _workerCounter;

    private readonly VersionLeases _leases;
    private readonly MemoryCgroup? _memory;

    public WorkerSupervisor(RuntimeOptions options, UserEnvironment userEnvironment, LogHub logs, RuntimeMetrics metrics, ILogger logger, VersionLeases leases)
    {
        _leases = leases;
        _options = options;
        _environment = userEnvironment;
        _logs = logs;
        _metrics = metrics;
        _logger = logger;
        _memory = MemoryCgroup.ForWorkers(MemoryLimit(), $"kt-workers-{System.Environment.ProcessId}");
    }

    /// <summary>The last worker the kernel killed for memory, or null (shown by <c>kt describe</c>).</summary>
    public OomKill? LastOomKill { get; private set; }

    /// <summary>The workers' memory cgroup, or null where there is none to read.</summary>
    internal MemoryCgroup? Memory => _memory;

    // KT_MEMORY_LIMIT (bytes): the process backend's KtMemory, enforced here where nothing else enforces it.
    private static long? MemoryLimit() =>
        long.TryParse(System.Environment.GetEnvironmentVariable("KT_MEMORY_LIMIT"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes) && bytes > 0
            ? bytes : null;

    public UserEnvironment Environment => _environment;

    /// <summary>The version the current worker serves, or null.</summary>
    /// <summary>The folder of the version the worker serves or is switching to (kept when old versions are pruned).</summary>
    public string? ActiveDirectory => _active?.Directory;

    public string? ServingVersion => _current is { IsAlive: true } worker ? worker.Version : null;

    public int? WorkerProcessId => _current?.ProcessId;

    /// <summary>What the current worker's runtime can apply as IL deltas (empty: nothing, or no worker).</summary>
    public string Capabilities => _current is { IsAlive: true } worker ? worker.Capabilities : "";

    public int InFlight => _current?.InFlight ?? 0;

    /// <summary>Starts the first worker, serving the active version if there is one.</summary>
    public async Task StartAsync((string Version, string Directory)? active, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // A pod without code starts its worker after it listens, so a deploy may have been first: an activation or
            // a plan already started a worker (with the version it set). Replacing it would drop that version.
            if (_current is { IsAlive: true })
            {
                return;
            }

            _active ??= active;
            await SwapInFreshWorkerAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <param name="deadline">Cancelled when the call's time is up (see <see cref="WorkerHandle.CallAsync"/>).</param>
    public Task<WorkerReply> CallAsync(CallKind kind, string type, string method, string requestId, ReadOnlyMemory<byte> body, CallOutput? output, CancellationToken cancellationToken, CancellationToken deadline = default)
    {
        // The warm path is not async: the call's own task is the caller's, and the lease ends with the worker's reply.
        var worker = _current;
        return worker is { IsAlive: true }
            ? worker.CallAsync(kind, type, method, requestId, body, output, _leases.Acquire(worker.Directory), cancellationToken, deadline)
            : CallOnceAvailableAsync(kind, type, method, requestId, body, output, cancellationToken, deadline);
    }

    private async Task<WorkerReply> CallOnceAvailableAsync(CallKind kind, string type, string method, string requestId, ReadOnlyMemory<byte> body, CallOutput? output, CancellationToken cancellationToken, CancellationToken deadline)
    {
        if (_terminating)
        {
            return new WorkerReply(default, TerminatingError(requestId));
        }

        WorkerHandle worker;
        try
        {
            worker = await _available.Task.WaitAsync(StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return new WorkerReply(default, new ErrorEnvelope
            {
                Type = "Kt.RuntimeError", Code = RuntimeErrorCodes.WorkerUnavailable, Status = 503, Pod = _options.PodName,
                Message = "No worker became available in time.", RequestId = requestId,
            });
        }

        return await worker.CallAsync(kind, type, method, requestId, body, output, _leases.Acquire(worker.Directory), cancellationToken, deadline).ConfigureAwait(false);
    }

    /// <summary>Serves a new version: an in-place reload when possible, else a fresh worker. New calls see it on return.</summary>
    public async Task ActivateAsync(string version, string directory, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _active = (version, directory);
            _deltas.Clear(); // a new base: the deltas were on the old one
            var worker = _current;
            // Runtime knobs are fixed at process start: a version whose runtimeconfig differs needs a fresh process.
            var sameKnobs = WorkerRuntimeConfig.For(directory) == _workerRuntimeConfig;
            if (worker is { IsAlive: true } && !_needsFreshWorker && sameKnobs && worker.Generations < _options.MaxGenerations)
            {
                // A worker still running calls of its version keeps it for them (one version per call): the next
                // version gets a fresh process, and the old one stops once those calls are done.
                if (!await worker.LoadAsync(version, directory, cancellationToken).ConfigureAwait(false))
                {
                    await SwapInFreshWorkerAsync(cancellationToken).ConfigureAwait(false);
                }

                _metrics.Reloads.Increment();
            }
            else
            {
                await SwapInFreshWorkerAsync(cancellationToken).ConfigureAwait(false);
                _metrics.Reloads.Increment();
            }
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Applies one generation of IL deltas to the running worker (no reload: instances and statics stay), fenced by
    /// version: refused with KT4071 unless the worker serves <see cref="DeltaRequest.BaseVersion"/>, so every pod of a
    /// service takes the same deltas in the same order. A worker started later (crash, new environment) gets the
    /// active version's deltas again, in order.
    /// </summary>
    /// <returns>The version served now (<c>X+N</c>).</returns>
    public async Task<string> ApplyDeltaAsync(DeltaRequest request, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var worker = _current;
            if (worker is not { IsAlive: true } || worker.Version is null)
            {
                throw new RuntimeError(RuntimeErrorCodes.NoActiveVersion, 409, "No worker serves a version yet; deploy the whole version first.");
            }

            if (worker.Version != request.BaseVersion)
            {
                throw new RuntimeError(RuntimeErrorCodes.DeltaBaseMismatch, 409,
                    $"The delta is for version {request.BaseVersion}; this pod serves {worker.Version}.");
            }

            var next = DeltaVersions.Next(request.BaseVersion);
            await worker.ApplyDeltaAsync(next, request.Updates, cancellationToken).ConfigureAwait(false);
            _deltas.Add((next, request.Updates));
            _metrics.Reloads.Increment();
            return next;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>KT4071 unless the current worker serves <paramref name="version"/> (deltas included).</summary>
    public void EnsureServes(string version)
    {
        if (_current is not { IsAlive: true } worker || worker.Version != version)
        {
            throw new RuntimeError(RuntimeErrorCodes.DeltaBaseMismatch, 409,
                $"The whole build is for version {version}; this pod serves {ServingVersion ?? "nothing"}.");
        }
    }

    /// <summary>
    /// The whole build behind the served deltas is now on disk in <paramref name="directory"/>: a worker started from
    /// now on loads it under the same label (<c>X+N</c>), with no deltas to replay. The current worker is not touched.
    /// </summary>
    /// <returns>The folder the current worker loaded (still in use until it moves on).</returns>
    public async Task<string?> SettleAsync(string servingVersion, string directory, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureServes(servingVersion);
            _active = (servingVersion, directory);
            _deltas.Clear(); // they are in these files
            return _current?.Directory;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Replaces the user environment; the worker is restarted because a process environment cannot shrink in place.</summary>
    public async Task SetEnvironmentAsync(UserEnvironment environment, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _environment = environment;
            await SwapInFreshWorkerAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async Task RegisterClassAsync(string type, ReadOnlyMemory<byte> initBody, CancellationToken cancellationToken)
    {
        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _classInits[type] = initBody;
            _current?.RegisterClass(type, initBody);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Answers every waiting call with "pod terminating" and ends the worker process tree.</summary>
    public async Task TerminateAsync()
    {
        _terminating = true;
        var worker = _current;
        if (worker is not null)
        {
            worker.FailAll(TerminatingError(null));
            await worker.DisposeAsync().ConfigureAwait(false);
        }
    }

    private ErrorEnvelope TerminatingError(string? requestId) => new()
    {
        Type = "Kt.PodTerminating", Code = RuntimeErrorCodes.Terminating, Status = 503, Pod = _options.PodName,
        Message = "The pod is terminating; retry on another replica.", RequestId = requestId, Version = _active?.Version,
    };

    // Caller holds _lifecycle.
    private async Task SwapInFreshWorkerAsync(CancellationToken cancellationToken)
    {
        if (_terminating)
        {
            return;
        }

        var number = Interlocked.Increment(ref _workerCounter);
        var runtimeConfig = WorkerRuntimeConfig.For(_active?.Directory);
        var runtimeConfigPath = runtimeConfig is null ? null : WorkerRuntimeConfig.Write(Path.Combine(_options.Root, "run"), runtimeConfig);
        var fresh = await WorkerHandle.StartAsync(
            number, SocketPath(number), _environment.Variables, WorkingDirectory(), _options.PodName, StartTimeout, cancellationToken,
            runtimeConfigPath, followVersion: !HasDefinedWorkingDirectory(), _environment.User, _memory).ConfigureAwait(false);
        _workerRuntimeConfig = runtimeConfig;
        fresh.Output += _logs.Publish;
        fresh.UnloadReported += OnUnloadReported;
        fresh.CancelGrace = _options.CancelGrace;
        fresh.Runaway += OnRunaway;
        foreach (var (type, body) in _classInits)
        {
            fresh.RegisterClass(type, body);
        }

        if (_active is { } active)
        {
            await fresh.LoadAsync(active.Version, active.Directory, cancellationToken).ConfigureAwait(false);
            await ReplayDeltasAsync(fresh, cancellationToken).ConfigureAwait(false);
        }

        var previous = _current;
        _current = fresh;
        _needsFreshWorker = false;
        _metrics.WorkerStarts.Increment();
        _ = fresh.Exited.ContinueWith(_ => OnWorkerExited(fresh), TaskScheduler.Default);
        var available = _available;
        if (available.Task.IsCompleted)
        {
            _available = new TaskCompletionSource<WorkerHandle>(TaskCreationOptions.RunContinuationsAsynchronously);
            available = _available;
        }

        available.TrySetResult(fresh);
        if (previous is not null)
        {
            _ = DrainAndStopAsync(previous);
        }
    }

    // A fresh process loads the version's files, which lack the deltas applied since: they are applied again, in order.
    // One it refuses ends the replay; the worker then serves the base (or the deltas before) under its own label, and
    // the watch's next delta, meant for the later label, is refused (KT4071) and reloads the pods whole.
    private async Task ReplayDeltasAsync(WorkerHandle fresh, CancellationToken cancellationToken)
    {
        foreach (var (version, updates) in _deltas)
        {
            try
            {
                await fresh.ApplyDeltaAsync(version, updates, cancellationToken).ConfigureAwait(false);
            }
            catch (RuntimeError e)
            {
                _logger.LogWarning("A fresh worker could not take delta {Version} again ({Message}); it serves {Served}.", version, e.Message, fresh.Version);
                _deltas.Clear();
                return;
            }
        }
    }

    // Calls already running on the old process finish there; it is stopped once they have (bounded). A process with a
    // runaway call gives the others the grace period from when it was found, then ends them with a code saying why.
    private async Task DrainAndStopAsync(WorkerHandle previous)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (previous.IsAlive && previous.InFlight > 0 && DateTime.UtcNow < deadline)
        {
            if (previous.RunawaySince is { } since && since + _options.CancelGrace < deadline)
            {
                deadline = since + _options.CancelGrace;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        if (previous.RunawayRequestId is { } runaway && previous.InFlight > 0)
        {
            previous.FailAll(RecycledError(previous, runaway));
        }

        await previous.DisposeAsync().ConfigureAwait(false);
    }

    // Issue 22: a call that ignores its token after its deadline would burn CPU, hold its version's tree and keep its
    // generation loaded for ever. Its process is replaced (new calls go to a fresh worker) and then stopped.
    private void OnRunaway(WorkerHandle worker, string requestId)
    {
        _logger.LogWarning("Call {RequestId} still runs {Grace} s after its timeout cancelled it; worker {Worker} (pid {Pid}) is recycled.",
            requestId, _options.CancelGrace.TotalSeconds, worker.Number, worker.ProcessId);
        _metrics.WorkerRecycles.Increment();
        _ = RecycleAsync(worker);
    }

    private async Task RecycleAsync(WorkerHandle worker)
    {
        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            // A worker already replaced is draining: its drain stops waiting for the runaway by itself.
            if (ReferenceEquals(_current, worker) && !_terminating)
            {
                await SwapInFreshWorkerAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RuntimeError or IOException or System.Net.Sockets.SocketException)
        {
            _logger.LogError("Could not replace worker {Worker} with a runaway call: {Message}", worker.Number, ex.Message);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private ErrorEnvelope RecycledError(WorkerHandle worker, string runaway) => new()
    {
        Type = "Kt.WorkerRecycled", Code = RuntimeErrorCodes.WorkerRecycled, Status = 503, Pod = _options.PodName, Version = worker.Version,
        Message = $"The worker process (pid {worker.ProcessId}) was recycled: call {runaway} went on {_options.CancelGrace.TotalSeconds:0.#} s after its timeout, "
            + "ignoring its CancellationToken, and this call was still running in that process. Retry it; the pod serves on a fresh worker.",
    };

    private void OnUnloadReported(WorkerHandle worker, UnloadReportHeader report)
    {
        if (report.Unloaded)
        {
            _metrics.UnloadsVerified.Increment();
            return;
        }

        _metrics.UnloadFailures.Increment();
        _logger.LogWarning("Generation {Generation} of worker {Worker} did not unload after {Rounds} GC rounds; a fresh worker will replace it.", report.Generation, worker.Number, report.GcRounds);
        _needsFreshWorker = true;
        _ = ReplaceAsync(worker);
    }

    private void OnWorkerExited(WorkerHandle worker)
    {
        if (_terminating || !ReferenceEquals(_current, worker))
        {
            return; // replaced on purpose, or shutting down
        }

        _metrics.WorkerCrashes.Increment();
        if (worker.LastOomKill is { } oom)
        {
            LastOomKill = oom;
            _logger.LogWarning("Worker {Worker} (pid {Pid}) was killed for memory (limit {Limit} bytes, peak {Peak} bytes); restarting it.", worker.Number, worker.ProcessId, oom.LimitBytes, oom.PeakBytes);
        }
        else
        {
            _logger.LogWarning("Worker {Worker} (pid {Pid}) exited unexpectedly; restarting it.", worker.Number, worker.ProcessId);
        }

        _available = new TaskCompletionSource<WorkerHandle>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = ReplaceAsync(worker);
    }

    private async Task ReplaceAsync(WorkerHandle worker)
    {
        var delay = CrashBackoff();
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay).ConfigureAwait(false);
        }

        await _lifecycle.WaitAsync().ConfigureAwait(false);
        try
        {
            if (ReferenceEquals(_current, worker) && !_terminating)
            {
                await SwapInFreshWorkerAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RuntimeError or IOException or System.Net.Sockets.SocketException)
        {
            _logger.LogError("Could not restart the worker: {Message}", ex.Message);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    // A worker that keeps crashing is restarted with growing pauses (up to 5 s), not in a hot loop.
    private TimeSpan CrashBackoff()
    {
        lock (_recentCrashes)
        {
            var now = DateTimeOffset.UtcNow;
            _recentCrashes.RemoveAll(t => now - t > TimeSpan.FromSeconds(30));
            _recentCrashes.Add(now);
            var n = _recentCrashes.Count;
            return n <= 3 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Min(5000, 100 * (1 << Math.Min(n - 3, 6))));
        }
    }

    private string SocketPath(int number)
    {
        var path = Path.Combine(_options.Root, "run", $"w{System.Environment.ProcessId}-{number}.sock");
        if (path.Length < 100)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            return path;
        }

        return Path.Combine(Path.GetTempPath(), $"kt-{Guid.NewGuid():N}.sock");
    }

    private bool HasDefinedWorkingDirectory() => _environment.WorkingDirectory is { } fromPlan && Directory.Exists(fromPlan);

    // The definition's working directory, else the app folder of the active version (as `dotnet App.dll` run there).
    private string WorkingDirectory()
    {
        if (HasDefinedWorkingDirectory())
        {
            return _environment.WorkingDirectory!;
        }

        return _active is { } active ? active.Directory : _options.Root;
    }

    public async ValueTask DisposeAsync()
    {
        _terminating = true;
        if (_current is { } worker)
        {
            await worker.DisposeAsync().ConfigureAwait(false);
        }

        _memory?.Dispose();
        _lifecycle.Dispose();
    }
}
