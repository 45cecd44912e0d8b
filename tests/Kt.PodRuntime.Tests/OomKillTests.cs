using Kt.TestSupport;

namespace Kt.PodRuntime.Tests;

/// <summary>
/// A worker the kernel kills for memory is called that (issue 24: on a real cluster it was a bare KT4035 "exit code
/// 137"): the runtime puts its workers in a memory cgroup of KT_MEMORY_LIMIT bytes and reads the cgroup's OOM-kill
/// counter when a worker dies of SIGKILL.
/// </summary>
public sealed class OomKillTests
{
    private const long Limit = 200L << 20;

    [MemoryCgroupFact]
    public async Task A_worker_killed_for_memory_is_KT4044_with_limit_and_peak_and_a_kill_by_hand_stays_KT4035()
    {
        using var temp = new TempRoot();
        var environment = new Dictionary<string, string> { ["KT_MEMORY_LIMIT"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), environment);
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "v1");

        var oom = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.CallAsync<int>("Demo.Calc", "Hog", [1024]));

        Assert.Equal((502, "KT4044", "Kt.WorkerOutOfMemory"), (oom.StatusCode, oom.Code, oom.RemoteType));
        Assert.Contains("killed for memory", oom.Error.Message, StringComparison.Ordinal);
        Assert.Contains("limit 200 MiB", oom.Error.Message, StringComparison.Ordinal);
        Assert.Matches(@"peak \d", oom.Error.Message);
        await runtime.Client.WaitReadyAsync("v1", TimeSpan.FromSeconds(30));
        var reported = (await runtime.Client.GetReadyStateAsync()).OomKill;
        Assert.Equal(Limit, reported?.LimitBytes);
        Assert.True(reported!.PeakBytes > Limit / 2, $"peak {reported.PeakBytes}");

        // The restarted worker serves; a SIGKILL that the kernel's OOM killer did not send is still a plain crash.
        Assert.Equal(3, await runtime.Client.CallAsync<int>("Demo.Calc", "Add", [1, 2]));
        var killed = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.CallAsync<int>("Demo.Calc", "Die"));
        Assert.Equal("KT4035", killed.Code);
        Assert.Contains("exit code 137", killed.Error.Message, StringComparison.Ordinal);
    }
}
