using System.Diagnostics;
using Kt.DevLoop.Backends;
using Kt.PodRuntime.Client;
using Kt.Watch;
using Kt.Workflows;

/// <summary>
/// <c>kt watch</c> on a generated project, run as the CLI runs it (the same <see cref="WatchSession"/>, Debug by
/// default, the process backend), with every turn it reports kept so that a timed edit can say which path served it.
/// Disposing stops the watch and removes the service's pods.
/// </summary>
internal sealed class KtWatchedApp : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);
    private readonly List<WatchIteration> _turns = [];
    private readonly SemaphoreSlim _turned = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly WatchSession _session;
    private readonly string _service;
    private Task _run = Task.CompletedTask;

    private KtWatchedApp(string projectFile, string service)
    {
        _service = service;
        // No build servers left behind on a shared machine: the publish the watch runs starts none that outlive it.
        var environment = new Dictionary<string, string> { ["MSBUILDDISABLENODEREUSE"] = "1", ["UseSharedCompilation"] = "false" };
        _session = new WatchSession(new WatchOptions { ProjectFile = projectFile, Environment = environment }, WorkflowOutput.Silent, Record);
    }

    /// <summary>The pods after the first deploy (rank order).</summary>
    public IReadOnlyList<Kt.Core.PodEndpoint> Pods { get; private set; } = [];

    public int TurnCount
    {
        get
        {
            lock (_turns)
            {
                return _turns.Count;
            }
        }
    }

    /// <summary>Starts the watch and returns once its first publish + deploy has served.</summary>
    public static async Task<KtWatchedApp> StartAsync(string projectFile, string service)
    {
        var app = new KtWatchedApp(projectFile, service);
        app._run = Task.Run(() => app._session.RunAsync(app._stop.Token));
        var first = await app.TurnAsync(0, StartTimeout);
        if (!first.Deployed)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"kt watch did not deploy {projectFile}: {string.Join('\n', first.Errors)}");
        }

        app.Pods = first.Pods;
        return app;
    }

    public PodClient Client(int rank = 0) => new(Pods[rank].Address, Pods[rank].Token);

    /// <summary>
    /// Until the watch has nothing running in the background (the warm-up emit after a whole deploy, the whole compile
    /// behind a delta): a timed edit of either tool then competes with nothing of the other's.
    /// </summary>
    public async Task QuietAsync()
    {
        await _session.WarmedUp;
        await _session.EmittedBehindDeltas;
    }

    /// <summary>The watch paths of the turns from <paramref name="from"/> on ("delta", "compile+delta" …), and the first fallback reason.</summary>
    public (string Paths, string? Reason) TurnsSince(int from)
    {
        lock (_turns)
        {
            var turns = _turns.Skip(from).ToList();
            return (string.Join('+', turns.Select(t => t.Deployed ? t.Path : t.Path + "(failed)")), turns.Select(t => t.FallbackReason).FirstOrDefault(r => r is not null));
        }
    }

    /// <summary>The errors of the latest turns, for a message when an edit is never served.</summary>
    public string LastErrors()
    {
        lock (_turns)
        {
            return string.Join('\n', _turns.TakeLast(3).SelectMany(t => t.Errors));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        _session.Dispose();
        using var backend = ComputeBackends.Create(ComputeBackends.Process);
        await backend.TeardownAsync(_service);
        _stop.Dispose();
        _turned.Dispose();
    }

    private void Record(WatchIteration turn)
    {
        lock (_turns)
        {
            _turns.Add(turn);
        }

        _turned.Release();
    }

    /// <summary>The turn at <paramref name="index"/>, waiting for it; fails if the watch ended first.</summary>
    public async Task<WatchIteration> TurnAsync(int index, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_turns)
            {
                if (_turns.Count > index)
                {
                    return _turns[index];
                }
            }

            if (_run.IsCompleted)
            {
                await _run; // its exception says why
                throw new InvalidOperationException("kt watch ended before its turn " + index);
            }

            var left = timeout - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"kt watch reported no turn {index} within {timeout.TotalSeconds:0} s");
            }

            // Woken by the next turn, or after a second at most to see whether the watch itself ended.
            await _turned.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }
}
