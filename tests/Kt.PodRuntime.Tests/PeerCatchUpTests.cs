namespace Kt.PodRuntime.Tests;

/// <summary>A pod started with --peer catches up with a running pod's setup and code before it reports ready.</summary>
public sealed class PeerCatchUpTests : IDisposable
{
    private readonly TempRoot _temp = new();

    private static LiveStep Run(string key, string shell, string dir) =>
        new() { Key = key.PadRight(64, '0'), Kind = "run", Description = shell, Shell = shell, WorkingDirectory = dir, Environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" } };

    [Fact]
    public async Task A_new_pod_replays_the_peers_setup_and_serves_its_version_before_it_is_ready()
    {
        var work = _temp.Sub("work");
        var plan = new LivePlan
        {
            Steps = [Run("a", "echo ran >> steps.txt", work), Run("b", "echo second >> steps.txt", work)],
            Environment = new Dictionary<string, string> { ["GREETING_SOURCE"] = "peer", ["PATH"] = "/usr/bin:/bin" },
        };
        var app = _temp.Sub("app");
        UserCode.Write(app, "Caught", new Dictionary<string, string> { ["data/big.txt"] = new string('x', 100_000) });

        await using var running = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "a"));
        await running.Client.ApplyPlanAsync(plan);
        await running.Client.SyncAsync(app, "v7");

        await using var newcomer = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "b"),
            extra: ["--peer", $"http://127.0.0.1:{running.Port}"]); // returns once /ready says ready

        Assert.True(await newcomer.Client.IsReadyAsync("v7"));
        Assert.Equal((await running.Client.GetJournalAsync()).Select(e => e.Key), (await newcomer.Client.GetJournalAsync()).Select(e => e.Key));
        Assert.Equal(["ran", "second", "ran", "second"], File.ReadAllLines(Path.Combine(work, "steps.txt"))); // the steps ran on the newcomer too
        Assert.Equal("Caught x", await newcomer.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
        Assert.Equal("peer", await newcomer.Client.CallAsync<string>("Demo.Calc", "Env", ["GREETING_SOURCE"]));
    }

    [Fact]
    public async Task A_pod_of_a_newer_setup_epoch_takes_the_peers_code_but_not_its_setup()
    {
        var work = _temp.Sub("work");
        var app = _temp.Sub("app");
        UserCode.Write(app, "Epoch");
        await using var old = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "old"), extra: ["--setup-epoch", "1"]);
        await old.Client.ApplyPlanAsync(new LivePlan { Steps = [Run("a", "echo ran >> steps.txt", work)] });
        await old.Client.SyncAsync(app, "v1");

        await using var fresh = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "fresh"),
            extra: ["--setup-epoch", "2", "--peer", $"http://127.0.0.1:{old.Port}"]);

        Assert.Empty(await fresh.Client.GetJournalAsync()); // the old epoch's setup is exactly what must not be copied
        Assert.Equal(["ran"], File.ReadAllLines(Path.Combine(work, "steps.txt")));
        Assert.True(await fresh.Client.IsReadyAsync("v1"));
        Assert.Equal("Epoch x", await fresh.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
    }

    [Fact]
    public async Task Without_a_reachable_peer_a_pod_starts_as_it_is()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        await using var alone = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "alone"), extra: ["--peer", $"http://127.0.0.1:{closedPort}"]);

        Assert.True(await alone.Client.IsReadyAsync());
        Assert.Empty(await alone.Client.GetJournalAsync());
        Assert.Contains("No catch-up from a peer", alone.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
