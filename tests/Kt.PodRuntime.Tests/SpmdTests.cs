namespace Kt.PodRuntime.Tests;

public sealed class SpmdTests
{
    [Fact]
    public async Task A_broadcast_returns_results_in_rank_order_and_the_first_failure_fails_it()
    {
        using var temp = new TempRoot();
        var app = temp.Sub("app");
        UserCode.Write(app);
        var replicas = new List<RuntimeProcess>();
        try
        {
            foreach (var rank in new[] { 0, 1 })
            {
                var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, $"root{rank}"), extra: ["--world-size", "2", "--rank", rank.ToString(System.Globalization.CultureInfo.InvariantCulture), "--master-addr", "10.0.0.1", "--master-port", "29501"]);
                replicas.Add(runtime);
                await runtime.Client.SyncAsync(app, "v1");
            }

            var pool = new SpmdClient(replicas.Select(r => r.Client).ToArray());
            Assert.Equal(["0", "1"], await pool.BroadcastAsync<string>("Demo.Calc", "Env", ["RANK"]));
            Assert.Equal(["2", "2"], await pool.BroadcastAsync<string>("Demo.Calc", "Env", ["WORLD_SIZE"]));
            Assert.Equal(["10.0.0.1", "10.0.0.1"], await pool.BroadcastAsync<string>("Demo.Calc", "Env", ["MASTER_ADDR"]));
            Assert.Equal(["29501"], await pool.BroadcastAsync<string>("Demo.Calc", "Env", ["MASTER_PORT"], ranks: [1]));

            var error = await Assert.ThrowsAsync<RemoteException>(() => pool.BroadcastAsync<object>("Demo.Calc", "Boom", ["rank failure"]));
            Assert.Equal("System.InvalidOperationException", error.RemoteType);
            Assert.NotNull(error.Rank);
            Assert.Contains("Demo.Calc.Boom", error.RemoteStackTrace);
        }
        finally
        {
            foreach (var runtime in replicas)
            {
                await runtime.DisposeAsync();
            }
        }
    }
}
