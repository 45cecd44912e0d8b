using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Kt.PodRuntime.Tests.Abuse;

/// <summary>
/// Issue 22 (6): a call that ignores its token after its timeout. Once the timeout and a grace period have passed,
/// its worker is recycled: the process stops burning CPU, a call still running there fails with a code saying why, a
/// short call finishes, the pod serves on, and the version that call held can be pruned.
/// </summary>
public sealed class RunawayCallTests
{
    [Fact]
    public async Task A_timed_out_call_that_ignores_its_token_gets_its_worker_recycled()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), extra: ["--cancel-grace-seconds", "2", "--keep-versions", "1"]);
        var app = temp.Sub("app");
        UserCode.Write(app, "One");
        await runtime.Client.SyncAsync(app, "v1");
        var v1Folder = Assert.Single(Directory.GetDirectories(Path.Combine(runtime.Root, "versions")));

        // A call that runs long and never looks at a token, already running when the runaway is found.
        using var blocked = ProcessProbe.Call(runtime, "Demo.Calc", "Block", """{"args":[600000]}""");
        var longCall = runtime.Raw.SendAsync(blocked);

        var started = Path.Combine(temp.Path, "spinning");
        using (var spin = ProcessProbe.Call(runtime, "Demo.Calc", "Spin", JsonSerializer.Serialize(new { args = new[] { started } }), timeoutMs: 500))
        using (var response = await runtime.Raw.SendAsync(spin))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.Contains("KT4037", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var pid = int.Parse(await File.ReadAllTextAsync(started), System.Globalization.CultureInfo.InvariantCulture);
        var before = ProcessProbe.CpuTicks(pid);
        Assert.NotNull(before);

        // A short call sent now finishes (on whichever worker serves it).
        Assert.Equal("done", await runtime.Client.CallAsync<string>("Demo.Calc", "Wait", [300]));

        // The spinning worker is ended: its CPU time stops growing because the process is gone.
        var clock = Stopwatch.StartNew();
        while (ProcessProbe.CpuTicks(pid) is not null && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(100);
        }

        Assert.Null(ProcessProbe.CpuTicks(pid));

        // The long call on it was told why it ended.
        using (var response = await longCall)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("KT4047", text, StringComparison.Ordinal);
        }

        Assert.Contains("kt_worker_recycles_total 1\n", await runtime.Client.GetMetricsAsync(), StringComparison.Ordinal);

        // The pod serves on a fresh worker, and v1's tree, held by neither call any more, is pruned by later deploys (one old version kept).
        Assert.NotEqual(pid, await runtime.Client.CallAsync<int>("Demo.Calc", "Pid"));
        foreach (var next in new[] { "Two", "Three" })
        {
            var folder = temp.Sub(next);
            UserCode.Write(folder, next);
            await runtime.Client.SyncAsync(folder, next);
            Assert.Equal($"{next} x", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
        }

        Assert.False(Directory.Exists(v1Folder), "the runaway call's version tree is still there");
    }
}
