using System.Collections.Concurrent;
using System.Net.Sockets;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Ipc;
using Kt.PodRuntime.Observability;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// The worker process: connects to the supervisor's socket, loads versions into collectible contexts, runs calls
/// concurrently and streams their output. It exits when the socket closes, so it never outlives the server.
/// </summary>
internal sealed class WorkerMain
{
    private const int MaxUnloadGcRounds = 40;
    private readonly FrameChannel _channel;
    private readonly ConcurrentDictionary<long, CancellationTokenSource> _calls = new();
    private readonly ConcurrentDictionary<string, ReadOnlyMemory<byte>> _classInits = new(StringComparer.Ordinal);
    private CodeGeneration? _current;
    private int _generationCounter;

    private readonly bool _followVersion;

    private WorkerMain(FrameChannel channel, bool followVersion)
    {
        _channel = channel;
        _followVersion = followVersion;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var socketPath = args.Length is 2 or 3 && args[0] == WorkerProcessStart.SocketOption
            ? args[1]
            : throw new ArgumentException("usage: worker --socket <path> [--follow-version]");
        var followVersion = args.Length == 3 && args[2] == WorkerProcessStart.FollowVersionOption;

        // Connected synchronously: an async operation would make the socket non-blocking for good (FrameChannel.Read).
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        var channel = new FrameChannel(socket);

        CapturingWriter.Install();
        // Disposed when the server goes away, which flushes the last spans and lines before the process ends.
        using var export = WorkerTracing.StartExport();

        var worker = new WorkerMain(channel, followVersion);
        channel.Send(FrameKind.Hello, 0, IpcJson.Encode(new HelloHeader(Environment.ProcessId, DeltaApplier.Capabilities())));
        var frames = new FrameLoop(channel, worker.Handle);
        frames.Start();
        await frames.Ended.ConfigureAwait(false);
        return 0; // the server went away: so does the worker
    }

    // On the frame loop's reader, in socket order (FrameLoop); a call is returned for the loop to run.
    private Action? Handle(Frame frame)
    {
        switch (frame.Kind)
        {
            case FrameKind.Call:
                // The generation is captured here, in frame order: a call sent before a Load finishes on the old version.
                var generation = _current;
                generation?.Enter();
                var cts = new CancellationTokenSource();
                _calls[frame.Id] = cts;
                return () => _ = RunCallAsync(frame, generation, cts);
            case FrameKind.Credit:
                CallScope.Credit(frame.Id, System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(frame.Header.Span));
                break;
            case FrameKind.Cancel:
                if (_calls.TryGetValue(frame.Id, out var cancel))
                {
                    cancel.Cancel();
                }

                break;
            case FrameKind.Load:
                Load(frame);
                break;
            case FrameKind.Delta:
                ApplyDelta(frame);
                break;
            case FrameKind.ClassInit:
                var init = IpcJson.Decode<ClassInitHeader>(frame.Header);
                _classInits[init.Type] = frame.Payload.ToArray();
                _current?.ForgetInstance(init.Type);
                break;
        }

        return null;
    }

    private async Task RunCallAsync(Frame frame, CodeGeneration? generation, CancellationTokenSource cts)
    {
        var header = CallHeaders.DecodeCall(frame.Header);
        var scope = new CallScope(frame.Id, header.RequestId, EmitLog, cts.Token);
        CallScope.Current = scope;
        // Current from here on: the user's code and its own spans run inside it (Activity.Current flows with the call).
        var activity = WorkerTracing.StartCall(header);
        byte[] resultHeader;
        ReadOnlyMemory<byte> payload = default;
        try
        {
            if (generation is null)
            {
                throw new CallFailure(RuntimeErrorCodes.NoActiveVersion, 409, "No code version is active yet; sync code first.");
            }

            payload = await CallInvoker.InvokeAsync(
                generation, header.Kind, header.Type, header.Method, frame.Payload,
                type => _classInits.TryGetValue(type, out var body) ? body : default, cts.Token,
                header.Items ? ItemsOf(frame.Id, scope) : null).ConfigureAwait(false);
            resultHeader = CallHeaders.Encode(new ResultHeader(true, null, generation.Version));
        }
        catch (Exception ex)
        {
            WorkerTracing.Failed(activity, ex);
            resultHeader = CallHeaders.Encode(new ResultHeader(false, Describe(ex, generation?.Version, header.RequestId)));
        }
        finally
        {
            activity?.Dispose();
            // A logging provider's own thread may still hold lines this call logged: they are its output too.
            await BackgroundWriters.DrainAsync(scope).ConfigureAwait(false);
            scope.Complete();
            CallScope.Current = null;
            _calls.TryRemove(frame.Id, out _);
            cts.Dispose();
            generation?.Exit();
        }

        _channel.Send(FrameKind.Result, frame.Id, resultHeader, payload, flush: !FrameLoop.InBurst);
    }

    // A stream result's elements: each counts against the call's output window, so the producer waits (asynchronously)
    // while the server has not passed a window of them on to a caller that reads slowly.
    private ItemSink ItemsOf(long callId, CallScope scope) => new(
        () => _channel.Send(FrameKind.StreamBegin, callId, ReadOnlyMemory<byte>.Empty),
        async (json, cancellationToken) =>
        {
            scope.Sent(LogLimits.CostOfItem(json.Length));
            _channel.Send(FrameKind.Item, callId, ReadOnlyMemory<byte>.Empty, json);
            await scope.WaitForRoomAsync(cancellationToken).ConfigureAwait(false);
        });

    // A line of a call that holds the frame loop's reader waits in the buffer: the call's result (or the reader, before
    // it waits for input) sends it in the same write, one system call on each side instead of two for a call that
    // prints. A call that holds the reader for long is taken over within a check or two, and the new reader flushes.
    private void EmitLog(CallScope scope, string stream, string line)
    {
        _channel.Send(FrameKind.Log, scope.CallId, CallHeaders.Encode(new LogHeader(scope.RequestId, stream, line)), flush: !FrameLoop.HoldsReader);
        WorkerTracing.Line(scope.RequestId, stream, line);
    }

    private static ErrorEnvelope Describe(Exception exception, string? version, string requestId) => exception switch
    {
        CallFailure failure => new ErrorEnvelope
        {
            Type = "Kt.RuntimeError", Message = failure.Message, Code = failure.Code, Status = failure.Status,
            Version = version, RequestId = requestId,
        },
        _ => UserExceptions.Describe(exception, version, requestId),
    };

    /// <summary>How long a delta waits for the calls running on the version to finish before it is refused.</summary>
    private static readonly TimeSpan DeltaDrainTimeout = TimeSpan.FromSeconds(10);

    // On the reader, in frame order: calls read after this frame wait until it is applied, and it waits for the calls
    // read before it to finish, so a call sees the old code or the new whole (the version fence of a delta).
    private void ApplyDelta(Frame frame)
    {
        var delta = IpcJson.Decode<DeltaHeader>(frame.Header);
        var generation = _current;
        DeltaAppliedHeader answer;
        try
        {
            if (generation is null)
            {
                throw new DeltaFailure(RuntimeErrorCodes.NoActiveVersion, "no code version is active yet.");
            }

            if (!generation.WaitIdle(DeltaDrainTimeout))
            {
                throw new DeltaFailure(RuntimeErrorCodes.DeltaRefused, $"calls on version {generation.Version} still ran after {DeltaDrainTimeout.TotalSeconds:0} s.");
            }

            DeltaApplier.Apply(generation, delta.Updates);
            generation.Version = delta.Version;
            answer = new DeltaAppliedHeader(true);
        }
        catch (DeltaFailure failure)
        {
            answer = new DeltaAppliedHeader(false, failure.Code, failure.Message);
        }

        _channel.Send(FrameKind.DeltaApplied, frame.Id, IpcJson.Encode(answer));
    }

    private void Load(Frame frame)
    {
        var load = IpcJson.Decode<LoadHeader>(frame.Header);
        var previous = _current;
        if (previous is not null && previous.InFlight > 0)
        {
            // Calls of the previous version still run here, and what a call sees of its version beyond its code (the
            // base directory, the current directory, KT_CODE_DIR) is process-wide: switching now would show them the
            // next version's files. Calls keep running this version; the supervisor starts a fresh process for the next.
            _channel.Send(FrameKind.Loaded, frame.Id, IpcJson.Encode(new LoadedHeader(previous.Version, previous.Number, Switched: false)));
            return;
        }

        _current = new CodeGeneration(++_generationCounter, load.Version, load.Directory);
        HostAsApp(load.Directory);
        _channel.Send(FrameKind.Loaded, frame.Id, IpcJson.Encode(new LoadedHeader(load.Version, _current.Number)));
        if (previous is not null)
        {
            _ = Task.Run(() => RetireAsync(previous));
        }
    }

    // What the .NET host gives `dotnet App.dll` of this version: its folder as AppContext.BaseDirectory and, unless the
    // definition names a working directory, as the current directory; and KT_CODE_DIR names the same folder (not the
    // root's `current` link, which moves when the next version is activated). All three are process-wide, so they
    // change only when no call of the previous version runs (Load).
    private void HostAsApp(string directory)
    {
        var full = Path.GetFullPath(directory);
        AppContext.SetData("APP_CONTEXT_BASE_DIRECTORY", Path.EndsInDirectorySeparator(full) ? full : full + Path.DirectorySeparatorChar);
        Environment.SetEnvironmentVariable("KT_CODE_DIR", Path.TrimEndingDirectorySeparator(full));
        if (_followVersion && Directory.Exists(full))
        {
            Environment.CurrentDirectory = full;
        }
    }

    private async Task RetireAsync(CodeGeneration generation)
    {
        await generation.RetireAsync().ConfigureAwait(false);
        var weak = generation.Unload();
        var rounds = 0;
        while (weak.IsAlive && rounds < MaxUnloadGcRounds)
        {
            rounds++;
            GC.Collect();
            GC.WaitForPendingFinalizers();
            if (rounds > 10)
            {
                await Task.Delay(5).ConfigureAwait(false);
            }
        }

        _channel.Send(FrameKind.UnloadReport, 0, IpcJson.Encode(new UnloadReportHeader(generation.Number, !weak.IsAlive, rounds)));
    }
}
