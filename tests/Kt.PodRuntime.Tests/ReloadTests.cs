namespace Kt.PodRuntime.Tests;

public sealed class ReloadTests
{
    [Fact]
    public async Task A_second_version_changes_the_result_and_deleted_files_disappear()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var v1 = temp.Sub("v1");
        UserCode.Write(v1, "Hello", new Dictionary<string, string> { ["marker-a.txt"] = "one", ["data/old.txt"] = "old" });
        var first = await runtime.Client.SyncAsync(v1, "v1");
        Assert.Equal((3, 3), (first.Files, first.UploadedBlobs));
        Assert.Equal("Hello ada", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["ada"]));
        var pid = await runtime.Client.CallAsync<int>("Demo.Calc", "Pid");

        var v2 = temp.Sub("v2");
        UserCode.Write(v2, "Howdy", new Dictionary<string, string> { ["marker-a.txt"] = "one" });
        var second = await runtime.Client.SyncAsync(v2, "v2");
        Assert.Equal(1, second.UploadedBlobs); // only the changed assembly travels
        Assert.True(await runtime.Client.IsReadyAsync("v2"));
        Assert.Equal("Howdy ada", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["ada"]));
        Assert.Equal(pid, await runtime.Client.CallAsync<int>("Demo.Calc", "Pid")); // same warm worker process

        var current = Path.Combine(runtime.Root, "current");
        Assert.False(File.Exists(Path.Combine(current, "data", "old.txt")));
        Assert.True(File.Exists(Path.Combine(current, "marker-a.txt")));

        // Back to v1's content: the blobs are all there, nothing is uploaded.
        var again = await runtime.Client.SyncAsync(v1, "v1");
        Assert.Equal(0, again.UploadedBlobs);
        Assert.Equal("Hello ada", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["ada"]));
    }

    [Fact]
    public async Task Calls_in_flight_finish_on_the_old_version_while_new_calls_see_the_new_one()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var v1 = temp.Sub("v1");
        UserCode.Write(v1, "Hello", new Dictionary<string, string> { ["marker.txt"] = "v1" });
        await runtime.Client.SyncAsync(v1, "v1");
        var slow = runtime.Client.CallAsync<string>("Demo.Calc", "Wait", [1500]);
        await Task.Delay(300);
        var v2 = temp.Sub("v2");
        UserCode.Write(v2, "Howdy", new Dictionary<string, string> { ["marker.txt"] = "v2" });
        await runtime.Client.SyncAsync(v2, "v2");
        Assert.Equal(["v2"], (await runtime.Client.CallAsync<string[]>("Demo.Calc", "Markers"))!);
        Assert.Equal("done", await slow);
    }

    [Fact]
    public async Task Old_generations_unload_over_many_reload_cycles()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), extra: ["--max-generations", "1000"]);
        const int Cycles = 30;
        for (var i = 0; i < Cycles; i++)
        {
            var folder = temp.Sub($"v{i}");
            UserCode.Write(folder, "Hello", new Dictionary<string, string> { ["marker.txt"] = $"v{i}" });
            await runtime.Client.SyncAsync(folder, $"v{i}");
            await runtime.Client.InitClassAsync("Demo.Counter", [i]);
            Assert.Equal(i + 1, await runtime.Client.CallMethodAsync<int>("Demo.Counter", "Next"));
            Assert.Equal([$"v{i}"], (await runtime.Client.CallAsync<string[]>("Demo.Calc", "Markers"))!);
        }

        // Unload verification is asynchronous; every retired generation must report in (bounded wait).
        var deadline = DateTime.UtcNow.AddSeconds(20);
        long verified = 0, failed = 0;
        while (DateTime.UtcNow < deadline)
        {
            var metrics = await runtime.Client.GetMetricsAsync();
            verified = Metric(metrics, "kt_unloads_verified_total");
            failed = Metric(metrics, "kt_unload_failures_total");
            if (verified + failed >= Cycles - 1)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(0, failed);
        Assert.Equal(Cycles - 1, verified);
    }

    internal static long Metric(string metrics, string name) =>
        long.Parse(metrics.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
}
