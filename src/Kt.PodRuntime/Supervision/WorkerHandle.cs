using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Ipc;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Sync;

namespace Kt.PodRuntime.Supervision;

/// <summary>
/// One worker process and its socket: multiplexes concurrent calls by id, routes their output, and when the process
/// dies fails every call still waiting with a typed WorkerCrashed error.
/// </summary>
internal sealed class WorkerHandle : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, PendingCall> _pending = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<LoadedHeader>> _loads = new();
    private readonly ConcurrentDictionary<long, TaskCompletionSource<DeltaAppliedHeader>> _deltas = new();
    private readonly Queue<string> _stderrTail = new();
    private readonly List<string> _userFrames = [];
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _greeted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Process _process;
    private readonly FrameChannel _channel;
    private readonly string _pod;
    private long _nextId;
    private Task _stderrLoop = Task.CompletedTask;
    private volatile ErrorEnvelope? _terminalError;
    private string? _runaway;
    private long _runawaySince;
    private MemoryCgroup? _memory;
    private long _oomKillsBefore;

    private sealed class PendingCall(CallOutput? output, string requestId, VersionLeases.Lease lease)
    {
        // Continuations run on the thread that completes the call, the reader: the request's reply is written from
        // there, without a hop to the pool (the rest of the request path is asynchronous and never blocks it).
        public TaskCompletionSource<WorkerReply> Completion { get; } = new();

        public CallOutput? Output { get; } = output;

        /// <summary>Output cost received that no one passes on and the worker was not yet told of (reader thread only).</summary>
        public long Unacknowledged { get; set; }

        public string RequestId { get; } = requestId;

        public CancellationTokenRegistration Registration { get; set; }

        /// <summary>The worker answered, or never will: the lease ends and the caller, if still waiting, gets the reply.</summary>
        public void Complete(WorkerReply reply)
        {
            Registration.Unregister();
            lease.Dispose();
            Completion.TrySetResult(reply);
        }
    }

    private WorkerHandle(Process process, FrameChannel channel, string pod, int number)
    {
        _process = process;
        _channel = channel;
        _pod = pod;
        Number = number;
    }

    public int Number { get; }

    public int ProcessId => _process.Id;

    /// <summary>The version the worker currently serves (null before the first load).</summary>
    public string? Version { get; private set; }

    /// <summary>The folder of the version it serves (new calls hold a lease on it), or null.</summary>
    public string? Directory { get; private set; }

    /// <summary>What the worker's runtime can apply as IL deltas (its Edit-and-Continue capabilities; empty: nothing).</summary>
    public string Capabilities { get; private set; } = "";

    /// <summary>How many versions this process has loaded (fresh process = 0).</summary>
    public int Generations { get; private set; }

    public int InFlight => _pending.Count;

    public bool IsAlive => !_exited.Task.IsCompleted;

    public Task Exited => _exited.Task;

    /// <summary>Raised for every output line of any call (the log hub listens).</summary>
    public event Action<CallLogLine>? Output;

    /// <summary>Raised when the worker reports that an old generation did not unload.</summary>
    public event Action<WorkerHandle, UnloadReportHeader>? UnloadReported;

    /// <summary>
    /// Raised (with its request id) for a call still running <see cref="CancelGrace"/> after its deadline cancelled it:
    /// it ignores its token, and only ending the process stops it.
    /// </summary>
    public event Action<WorkerHandle, string>? Runaway;

    /// <summary>How long a call cancelled by its deadline may go on before it counts as a runaway.</summary>
    public TimeSpan CancelGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The first runaway call found in this process (its request id), or null.</summary>
    public string? RunawayRequestId => Volatile.Read(ref _runaway);

    /// <summary>When the first runaway was found (UTC), or null.</summary>
    public DateTime? RunawaySince => Interlocked.Read(ref _runawaySince) is var ticks and > 0 ? new DateTime(ticks, DateTimeKind.Utc) : null;

    public static async Task<WorkerHandle> StartAsync(
        int number, string socketPath, IReadOnlyDictionary<string, string> environment, string workingDirectory, string pod,
        TimeSpan timeout, CancellationToken cancellationToken, string? runtimeConfig = null, bool followVersion = false, UserSwitch? user = null,
        MemoryCgroup? memory = null)
    {
        // Counted before the worker runs: a kill after this that the counter shows was this worker's.
        var oomKillsBefore = memory?.OomKills() ?? 0;
        File.Delete(socketPath);
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        listener.Listen(1);
        if (user is not null)
        {
            UserEnvironment.GiveTo(socketPath, user);
        }

        var process = Process.Start(WorkerLaunch.Create(socketPath, environment, workingDirectory, runtimeConfig, followVersion, user))
            ?? throw new RuntimeError(RuntimeErrorCodes.WorkerUnavailable, 503, "The worker process did not start.");
        memory?.Admit(process.Id);
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        Socket accepted;
        try
        {
            var accept = listener.AcceptAsync(timeoutSource.Token).AsTask();
            var finished = await Task.WhenAny(accept, process.WaitForExitAsync(timeoutSource.Token)).ConfigureAwait(false);
            if (finished != accept)
            {
                var said = await EarlyOutputAsync(process).ConfigureAwait(false);
                throw new RuntimeError(RuntimeErrorCodes.WorkerUnavailable, 503, $"The worker process exited with code {SafeExitCode(process)} before connecting.{said}");
            }

            accepted = await accept.ConfigureAwait(false);
            // A socket accepted asynchronously comes non-blocking; the frame reader needs blocking reads (FrameChannel.Read).
            accepted.Blocking = true;
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            throw new RuntimeError(RuntimeErrorCodes.WorkerUnavailable, 503, "The worker process did not connect in time.");
        }
        finally
        {
            File.Delete(socketPath);
        }

        var channel = new FrameChannel(accepted);
        var handle = new WorkerHandle(process, channel, pod, number) { _memory = memory, _oomKillsBefore = oomKillsBefore };
        handle.StartBackgroundLoops();
        try
        {
            await handle._greeted.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidDataException or OperationCanceledException)
        {
            await handle.DisposeAsync().ConfigureAwait(false);
            throw new RuntimeError(RuntimeErrorCodes.WorkerUnavailable, 503, "The worker process did not greet.");
        }

        return handle;
    }

    private void StartBackgroundLoops()
    {
        // A thread of its own, reading with blocking calls (see FrameChannel.Read): a reply wakes this thread directly.
        new Thread(ReadLoop) { IsBackground = true, Name = $"kt-worker-{Number}-reader" }.Start();
        _stderrLoop = Task.Run(StderrLoopAsync);
    }

    /// <summary>Sends a call; the returned task completes with the result, the user error, or WorkerCrashed.</summary>
    /// <param name="output">Where its output lines go while it runs (they always reach <see cref="Output"/> too), or null.</param>
    /// <param name="lease">The lease on the version folder the call runs from, released when the worker answers.</param>
    /// <param name="deadline">Cancelled when the call's time is up: a call that then runs on past <see cref="CancelGrace"/> is a runaway.</param>
    public Task<WorkerReply> CallAsync(
        CallKind kind, string type, string method, string requestId, ReadOnlyMemory<byte> body, CallOutput? output,
        VersionLeases.Lease lease, CancellationToken cancellationToken, CancellationToken deadline = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var pending = new PendingCall(output, requestId, lease);
        output?.Attach(cost => SendCredit(id, cost));
        _pending[id] = pending;
        if (_terminalError is { } terminal)
        {
            _pending.TryRemove(id, out _);
            pending.Complete(new WorkerReply(default, terminal with { RequestId = requestId }));
            return pending.Completion.Task;
        }

        _channel.Send(FrameKind.Call, id, CallHeaders.Encode(new CallHeader(kind, type, method, requestId, output?.TakesItems == true, PodTracing.TraceParentForWorker())), body);
        if (cancellationToken.CanBeCanceled)
        {
            // The caller stops waiting at once (its request ended or timed out); then the worker is told to cancel, and
            // its late result finds no one waiting. In that order: told first, a worker that cancels quickly could
            // answer (a user OperationCanceledException) before the caller saw its timeout. The call stays counted in
            // flight until that result comes.
            pending.Registration = cancellationToken.UnsafeRegister(static (state, token) =>
            {
                var (handle, callId, call, deadline) = ((WorkerHandle, long, PendingCall, CancellationToken))state!;
                call.Completion.TrySetCanceled(token);
                handle._channel.Send(FrameKind.Cancel, callId, ReadOnlyMemory<byte>.Empty);
                if (deadline.IsCancellationRequested)
                {
                    handle.WatchForRunaway(callId, call);
                }
            }, (this, id, pending, deadline));
            if (pending.Completion.Task.IsCompleted)
            {
                pending.Registration.Unregister();
            }
        }

        return pending.Completion.Task;
    }

    // A call past its deadline that has not answered CancelGrace later ignores its token: only ending the process stops it.
    private void WatchForRunaway(long id, PendingCall call) =>
        _ = Task.Delay(CancelGrace).ContinueWith(
            _ =>
            {
                if (IsAlive && _pending.TryGetValue(id, out var still) && ReferenceEquals(still, call))
                {
                    Interlocked.CompareExchange(ref _runaway, call.RequestId, null);
                    Interlocked.CompareExchange(ref _runawaySince, DateTime.UtcNow.Ticks, 0);
                    Runaway?.Invoke(this, call.RequestId);
                }
            },
            CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);

    // Tells the worker that this much of a call's output has left the server: its writers may go on (LogLimits.CallWindow).
    private void SendCredit(long id, long cost)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(header, cost);
        _channel.Send(FrameKind.Credit, id, header);
    }

    public void RegisterClass(string type, ReadOnlyMemory<byte> initBody) =>
        _channel.Send(FrameKind.ClassInit, 0, IpcJson.Encode(new ClassInitHeader(type)), initBody);

    /// <summary>
    /// Loads a version into a fresh collectible context in this process; new calls see it once this returns true. False:
    /// calls of the version it serves were running, and the worker kept serving that version (a call sees one version).
    /// </summary>
    public async Task<bool> LoadAsync(string version, string directory, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<LoadedHeader>(TaskCreationOptions.RunContinuationsAsynchronously);
        _loads[id] = completion;
        _channel.Send(FrameKind.Load, id, IpcJson.Encode(new LoadHeader(version, directory)));
        var finished = await Task.WhenAny(completion.Task, _exited.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (finished != completion.Task)
        {
            throw new RuntimeError(RuntimeErrorCodes.WorkerCrashed, 502, $"The worker exited while loading version {version}. {StderrTail()}");
        }

        if (!(await completion.Task.ConfigureAwait(false)).Switched)
        {
            return false;
        }

        Version = version;
        Directory = directory;
        Generations++;
        return true;
    }

    /// <summary>
    /// Applies one generation of IL deltas to the version the worker serves, which then serves
    /// <paramref name="newVersion"/>. The worker applies it between calls (those before it finish on the old code).
    /// </summary>
    /// <exception cref="RuntimeError">KT4070–KT4072: not applied; the worker serves what it served.</exception>
    public async Task ApplyDeltaAsync(string newVersion, IReadOnlyList<AssemblyDelta> updates, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var completion = new TaskCompletionSource<DeltaAppliedHeader>(TaskCreationOptions.RunContinuationsAsynchronously);
        _deltas[id] = completion;
        _channel.Send(FrameKind.Delta, id, IpcJson.Encode(new DeltaHeader(newVersion, updates)));
        var finished = await Task.WhenAny(completion.Task, _exited.Task).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (finished != completion.Task)
        {
            throw new RuntimeError(RuntimeErrorCodes.WorkerCrashed, 502, $"The worker exited while applying a delta to version {Version}. {StderrTail()}");
        }

        var answer = await completion.Task.ConfigureAwait(false);
        if (!answer.Ok)
        {
            throw new RuntimeError(answer.Code ?? RuntimeErrorCodes.DeltaRefused, answer.Code == RuntimeErrorCodes.DeltaUnsupported ? 422 : 409,
                $"The delta was not applied: {answer.Message}");
        }

        Version = newVersion;
    }

    /// <summary>Fails every waiting call with this error and refuses new ones (used for pod termination).</summary>
    public void FailAll(ErrorEnvelope error)
    {
        _terminalError = error;
        foreach (var (id, pending) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                pending.Complete(new WorkerReply(default, error with { RequestId = pending.RequestId }));
            }
        }
    }

    private void ReadLoop()
    {
        try
        {
            if (_channel.Read() is not { Kind: FrameKind.Hello } hello)
            {
                throw new InvalidDataException("The worker process did not greet.");
            }

            Capabilities = IpcJson.Decode<HelloHeader>(hello.Header).Capabilities;

            _greeted.TrySetResult();
            while (_channel.Read() is { } frame)
            {
                Dispatch(frame);
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or ObjectDisposedException or SocketException)
        {
            _greeted.TrySetException(new InvalidDataException("The worker process did not greet."));
        }

        _ = Task.Run(OnExitedAsync);
    }

    private void Dispatch(Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Result:
                if (_pending.TryRemove(frame.Id, out var pending))
                {
                    var header = CallHeaders.DecodeResult(frame.Header);
                    pending.Complete(header.Ok
                        ? new WorkerReply(frame.Payload, null, header.Version)
                        : new WorkerReply(default, header.Error! with { Pod = _pod }));
                }

                break;
            case FrameKind.Log:
                var log = CallHeaders.DecodeLog(frame.Header);
                var line = new CallLogLine(log.RequestId, log.Stream, log.Line);
                if (_pending.TryGetValue(frame.Id, out var target) && target.Output?.Take(line) != true)
                {
                    // No one passes this line on (a plain call, a caller gone): it is acknowledged here, in steps.
                    target.Unacknowledged += LogLimits.CostOfLine(log.Line);
                    if (target.Unacknowledged >= LogLimits.CreditStep)
                    {
                        SendCredit(frame.Id, target.Unacknowledged);
                        target.Unacknowledged = 0;
                    }
                }

                Output?.Invoke(line);
                break;
            case FrameKind.StreamBegin:
                if (_pending.TryGetValue(frame.Id, out var streaming))
                {
                    streaming.Output?.TakeItem(null);
                }

                break;
            case FrameKind.Item:
                if (_pending.TryGetValue(frame.Id, out var producer) && producer.Output?.TakeItem(frame.Payload) != true)
                {
                    // The caller is gone (its cancellation is on the way to the worker): the item is dropped and acknowledged.
                    SendCredit(frame.Id, LogLimits.CostOfItem(frame.Payload.Length));
                }

                break;
            case FrameKind.Loaded:
                if (_loads.TryRemove(frame.Id, out var load))
                {
                    load.TrySetResult(IpcJson.Decode<LoadedHeader>(frame.Header));
                }

                break;
            case FrameKind.DeltaApplied:
                if (_deltas.TryRemove(frame.Id, out var delta))
                {
                    delta.TrySetResult(IpcJson.Decode<DeltaAppliedHeader>(frame.Header));
                }

                break;
            case FrameKind.UnloadReport:
                UnloadReported?.Invoke(this, IpcJson.Decode<UnloadReportHeader>(frame.Header));
                break;
        }
    }

    private async Task OnExitedAsync()
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        try
        {
            await _stderrLoop.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        var error = _terminalError ?? OomKilled() ?? new ErrorEnvelope
        {
            Type = "Kt.WorkerCrashed",
            Message = $"The worker process (pid {_process.Id}) ended while the call was running (exit code {SafeExitCode(_process)}). {StderrTail()}".Trim(),
            Code = RuntimeErrorCodes.WorkerCrashed,
            Status = 502,
            Pod = _pod,
            Version = Version,
        };
        _terminalError = error;
        foreach (var (id, pending) in _pending)
        {
            if (_pending.TryRemove(id, out _))
            {
                pending.Complete(new WorkerReply(default, error with { RequestId = pending.RequestId }));
            }
        }

        _exited.TrySetResult();
    }

    /// <summary>
    /// The worker died of SIGKILL and its cgroup counted an OOM kill since it started: killed for memory, said with the
    /// limit and the peak (a kill -9 by hand leaves the counter alone and stays KT4035).
    /// </summary>
    private ErrorEnvelope? OomKilled()
    {
        if (_memory is not { } memory || SafeExitCode(_process) != "137" || memory.OomKills() <= _oomKillsBefore)
        {
            return null;
        }

        var limit = memory.Limit();
        var peak = memory.Peak();
        LastOomKill = new OomKill(DateTimeOffset.UtcNow, _process.Id, limit, peak);
        return new ErrorEnvelope
        {
            Type = "Kt.WorkerOutOfMemory",
            Message = $"The worker process (pid {_process.Id}) was killed for memory (OOM kill) while the call was running: limit {MiB(limit)}, peak {MiB(peak)}. "
                + "Raise KtMemory / KtMemoryLimit, or use less memory per call. The worker is restarted.",
            Code = RuntimeErrorCodes.WorkerOutOfMemory,
            Status = 502,
            Pod = _pod,
            Version = Version,
        };

        static string MiB(long? bytes) => bytes is { } b ? $"{(b / 1048576.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} MiB" : "unknown";
    }

    /// <summary>Set when this worker was OOM-killed (the supervisor keeps the last one for <c>kt describe</c>).</summary>
    public OomKill? LastOomKill { get; private set; }

    // The worker's stderr is echoed to ours (container log) and its tail kept for crash reports (FailFast writes there).
    private async Task StderrLoopAsync()
    {
        var reader = _process.StandardError;
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            await Console.Error.WriteLineAsync(line).ConfigureAwait(false);
            var trimmed = line.TrimStart();
            if (trimmed.StartsWith("at ", StringComparison.Ordinal))
            {
                // What the process said (FailFast text, "Stack overflow.") is kept, and of the frames only the top user
                // ones: a stack overflow prints thousands, and the runtime's own say nothing about the user's bug.
                lock (_stderrTail)
                {
                    if (_userFrames.Count < MaxUserFrames && !IsFrameworkFrame(trimmed) && !_userFrames.Contains(trimmed))
                    {
                        _userFrames.Add(trimmed);
                    }
                }

                continue;
            }

            lock (_stderrTail)
            {
                _stderrTail.Enqueue(line);
                while (_stderrTail.Count > 8)
                {
                    _stderrTail.Dequeue();
                }
            }
        }
    }

    // A worker that dies before it connects has said why on stderr (the host's "Couldn't find a valid ICU package",
    // a missing framework): the last lines go into the error, since nobody reads the pod's log first.
    private static async Task<string> EarlyOutputAsync(Process process)
    {
        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var text = await process.StandardError.ReadToEndAsync(bound.Token).ConfigureAwait(false);
            await Console.Error.WriteAsync(text).ConfigureAwait(false);
            return WorkerExitReason.Describe(text);
        }
        catch (Exception error) when (error is OperationCanceledException or IOException or InvalidOperationException)
        {
            return string.Empty;
        }
    }

    private string StderrTail()
    {
        lock (_stderrTail)
        {
            var said = _stderrTail.Count == 0 ? string.Empty : "Last worker output: " + string.Join(" | ", _stderrTail);
            return _userFrames.Count == 0 ? said : $"{said} Top user frames: {string.Join(" | ", _userFrames)}".Trim();
        }
    }

    private const int MaxUserFrames = 5;

    private static bool IsFrameworkFrame(string frame) =>
        frame.StartsWith("at System.", StringComparison.Ordinal) || frame.StartsWith("at Microsoft.", StringComparison.Ordinal)
        || frame.StartsWith("at Kt.PodRuntime.", StringComparison.Ordinal) || frame.StartsWith("at Interop", StringComparison.Ordinal);

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.HasExited ? process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) : "unknown";
        }
        catch (InvalidOperationException)
        {
            return "unknown";
        }
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <summary>Ends the worker and its children now.</summary>
    public async ValueTask DisposeAsync()
    {
        KillQuietly(_process);
        _channel.Dispose();
        try
        {
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }

        _process.Dispose();
    }
}
