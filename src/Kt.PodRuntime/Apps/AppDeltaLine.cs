using System.Net.Sockets;
using Kt.PodRuntime.AppHook;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Supervision;
using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Apps;

/// <summary>
/// The pod's line to a <c>Remote.App</c>'s own process for IL deltas. The app starts with Kt's startup hook
/// (<c>Kt.PodRuntime.AppHook</c>, named by <c>DOTNET_STARTUP_HOOKS</c>) and <c>DOTNET_MODIFIABLE_ASSEMBLIES=debug</c>; the hook
/// connects here before the app's <c>Main</c> and applies each generation in place, so the app keeps its process, its
/// port and its state. A process that connects later (the app restarted with the same files: a new environment, a new
/// <c>PUT /app</c>) gets the deltas applied since those files were written, in order, first.
/// </summary>
internal sealed class AppDeltaLine : IDisposable
{
    /// <summary>How long a running app has to connect (it does before its Main, so this covers a slow start only).</summary>
    private static readonly TimeSpan ConnectWait = TimeSpan.FromSeconds(10);

    private readonly string _socketPath;
    private readonly ILogger _logger;
    private readonly List<IReadOnlyList<AppDelta>> _applied = []; // on the files the app starts from, in order
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Socket? _listener;
    private Connection? _current;
    private TaskCompletionSource<Connection> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTime _startedAt = DateTime.MinValue;

    public AppDeltaLine(string root, ILogger logger)
    {
        var path = Path.Combine(root, "run", $"app-{Environment.ProcessId}.sock");
        _socketPath = path.Length < 100 ? path : Path.Combine(Path.GetTempPath(), $"kt-app-{Guid.NewGuid():N}.sock");
        _logger = logger;
    }

    /// <summary>The hook's assembly, shipped beside the runtime's (the docker and Kubernetes pods mount or carry that folder).</summary>
    public static string HookAssembly => Path.Combine(AppContext.BaseDirectory, "Kt.PodRuntime.AppHook.dll");

    /// <summary>
    /// The variables an app process starts with: the hook (after any the user set), modifiable assemblies (unless the
    /// user chose), and this line's socket. None changes an app that is not .NET or not debuggable.
    /// </summary>
    public void AddTo(IDictionary<string, string?> environment, UserSwitch? user)
    {
        Listen(user);
        environment["DOTNET_STARTUP_HOOKS"] = environment.TryGetValue("DOTNET_STARTUP_HOOKS", out var hooks) && !string.IsNullOrEmpty(hooks)
            ? hooks + Path.PathSeparator + HookAssembly
            : HookAssembly;
        if (!environment.ContainsKey("DOTNET_MODIFIABLE_ASSEMBLIES"))
        {
            environment["DOTNET_MODIFIABLE_ASSEMBLIES"] = "debug";
        }

        environment[AppDeltaWire.SocketVariable] = _socketPath;
    }

    /// <summary>The app is about to start from other files than before: the deltas recorded were on the old ones.</summary>
    public void NewFiles()
    {
        lock (_applied)
        {
            _applied.Clear();
        }
    }

    /// <summary>An app process was just started: it has <see cref="ConnectWait"/> to connect.</summary>
    public void Started() => _startedAt = DateTime.UtcNow;

    /// <summary>The app's process is gone (stopped or replaced): its connection is no answer any more.</summary>
    public void Disconnected()
    {
        var current = Interlocked.Exchange(ref _current, null);
        current?.Dispose();
        if (_connected.Task.IsCompleted)
        {
            _connected = new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>What the running app's runtime can apply; empty when it did not connect (not .NET, hook disabled).</summary>
    public async Task<string> CapabilitiesAsync(CancellationToken cancellationToken) =>
        await ConnectedAsync(cancellationToken).ConfigureAwait(false) is { } connection ? connection.Capabilities : "";

    /// <summary>Applies one generation in the running app; a <see cref="RuntimeError"/> (KT4070–KT4072) when it did not.</summary>
    /// <param name="running">Whether an app process runs now (none: the deltas are only recorded for its next start).</param>
    public async Task ApplyAsync(IReadOnlyList<AppDelta> deltas, bool running, string command, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (running)
            {
                var connection = await ConnectedAsync(cancellationToken).ConfigureAwait(false)
                    ?? throw new RuntimeError(RuntimeErrorCodes.DeltaUnsupported, 422,
                        $"The app ({command}) takes no IL deltas: its process did not load Kt's startup hook (a .NET app started by its command does, unless it disables startup hooks).");
                var (outcome, message) = await connection.SendAsync(deltas, cancellationToken).ConfigureAwait(false);
                if (outcome != AppDeltaOutcome.Applied)
                {
                    throw new RuntimeError(outcome switch
                    {
                        AppDeltaOutcome.Mismatch => RuntimeErrorCodes.DeltaBaseMismatch,
                        AppDeltaOutcome.Unsupported => RuntimeErrorCodes.DeltaUnsupported,
                        _ => RuntimeErrorCodes.DeltaRefused,
                    }, outcome == AppDeltaOutcome.Unsupported ? 422 : 409, $"The app ({command}) did not take the delta: {message}.");
                }
            }

            lock (_applied)
            {
                _applied.Add(deltas);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Connection?> ConnectedAsync(CancellationToken cancellationToken)
    {
        // A process that has run for longer without connecting never will (not .NET, or its hooks disabled).
        var left = ConnectWait - (DateTime.UtcNow - _startedAt);
        try
        {
            return await _connected.Task.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private void Listen(UserSwitch? user)
    {
        if (_listener is not null)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_socketPath)!);
        File.Delete(_socketPath);
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(_socketPath));
        listener.Listen(4);
        if (user is not null)
        {
            UserEnvironment.GiveTo(_socketPath, user); // the app runs as the definition's user
        }

        _listener = listener;
        _ = AcceptLoopAsync(listener);
    }

    // The latest process to connect is the app (a command may run other .NET processes first: they connect and leave).
    private async Task AcceptLoopAsync(Socket listener)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            try
            {
                var connection = await Connection.OpenAsync(accepted).ConfigureAwait(false);
                await ReplayAsync(connection).ConfigureAwait(false);
                Interlocked.Exchange(ref _current, connection)?.Dispose();
                if (!_connected.TrySetResult(connection))
                {
                    var fresh = new TaskCompletionSource<Connection>(TaskCreationOptions.RunContinuationsAsynchronously);
                    fresh.SetResult(connection);
                    _connected = fresh;
                }
            }
            catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or RuntimeError)
            {
                _logger.LogWarning("An app process connected for IL deltas but could not take them: {Message}", e.Message);
                accepted.Dispose();
            }
        }
    }

    // A fresh app process loads the files, which lack the deltas applied since they were written: they go again, in order.
    private async Task ReplayAsync(Connection connection)
    {
        List<IReadOnlyList<AppDelta>> replay;
        lock (_applied)
        {
            replay = [.. _applied];
        }

        foreach (var deltas in replay)
        {
            var (outcome, message) = await connection.SendAsync(deltas, CancellationToken.None).ConfigureAwait(false);
            if (outcome != AppDeltaOutcome.Applied)
            {
                throw new RuntimeError(RuntimeErrorCodes.DeltaRefused, 409, $"the restarted app could not take a delta again: {message}");
            }
        }
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _current?.Dispose();
        _gate.Dispose();
        File.Delete(_socketPath);
    }

    /// <summary>One app process's connection: its capabilities, and one generation at a time.</summary>
    private sealed class Connection : IDisposable
    {
        private readonly NetworkStream _stream;
        private readonly BinaryReader _reader;
        private readonly BinaryWriter _writer;

        private Connection(NetworkStream stream, string capabilities)
        {
            _stream = stream;
            _reader = new BinaryReader(stream);
            _writer = new BinaryWriter(stream);
            Capabilities = capabilities;
        }

        public string Capabilities { get; }

        public static async Task<Connection> OpenAsync(Socket socket)
        {
            var stream = new NetworkStream(socket, ownsSocket: true);
            // The hello is written before the app's Main runs: a peer that says nothing in time is no hook.
            var capabilities = await Task.Run(() => AppDeltaWire.ReadHello(new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true)))
                .WaitAsync(ConnectWait).ConfigureAwait(false);
            return new Connection(stream, capabilities);
        }

        public Task<(AppDeltaOutcome Outcome, string Message)> SendAsync(IReadOnlyList<AppDelta> deltas, CancellationToken cancellationToken) =>
            Task.Run(() =>
            {
                AppDeltaWire.WriteDeltas(_writer, deltas);
                return AppDeltaWire.ReadOutcome(_reader);
            }, cancellationToken);

        public void Dispose()
        {
            _reader.Dispose();
            _writer.Dispose();
            _stream.Dispose();
        }
    }
}
