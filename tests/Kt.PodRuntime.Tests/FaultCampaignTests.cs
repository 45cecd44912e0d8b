using System.Diagnostics;

namespace Kt.PodRuntime.Tests;

/// <summary>
/// Issue 12's fault campaign, bounded for CI: kill -9 of the server at random points of activation and pruning (with
/// user code writing into its code folder), and client kills mid-upload. After every fault the pod serves one complete
/// version within 3 s of its server listening again, and the next deploy succeeds without a wipe.
/// </summary>
public sealed class FaultCampaignTests
{
    private const int Markers = 12;

    private static string Prepare(TempRoot temp, int n)
    {
        var folder = temp.Sub($"v{n}");
        UserCode.Write(folder, $"Hello{n % 3}", Enumerable.Range(0, Markers).ToDictionary(i => $"marker{i:00}.txt", _ => $"v{n}" + new string('.', 3000 + n)));
        return folder;
    }

    // One complete version: every marker present and all from the same sync.
    private static async Task<string> AssertOneCompleteVersionAsync(RuntimeProcess runtime)
    {
        var markers = (await runtime.Client.CallAsync<string[]>("Demo.Calc", "Markers"))!;
        var single = Assert.Single(markers.Select(m => m.TrimEnd('.')).Distinct());
        Assert.Equal(Markers, Directory.GetFiles(Path.Combine(runtime.Root, "current"), "marker*.txt").Length);
        return single;
    }

    [Fact]
    public async Task Server_kills_during_activation_and_pruning_never_leave_a_pod_stuck()
    {
        using var temp = new TempRoot();
        var root = Path.Combine(temp.Path, "root");
        var random = new Random(20261201);
        var extra = new[] { "--keep-versions", "1", "--blob-grace-seconds", "0" };
        await using (var first = await RuntimeProcess.StartAsync(root, extra: extra))
        {
            await first.Client.SyncAsync(Prepare(temp, 0), "v0");
        }

        var kills = 0;
        var worst = TimeSpan.Zero;
        for (var n = 1; n <= 30; n++)
        {
            var folder = Prepare(temp, n);
            var clock = Stopwatch.StartNew();
            await using (var runtime = await RuntimeProcess.StartAsync(root, extra: extra))
            {
                // Restarted after a kill: one complete version, quickly, and the deploy that was cut short goes through.
                await AssertOneCompleteVersionAsync(runtime);
                worst = clock.Elapsed - runtime.StartupTime > worst ? clock.Elapsed - runtime.StartupTime : worst;
                if (n % 3 == 0)
                {
                    await runtime.Client.CallAsync<object>("Demo.Calc", "Scribble", ["marker00.txt", "user wrote here"]);
                    await runtime.Client.CallAsync<object>("Demo.Calc", "Scribble", ["user-file.txt", "new"]);
                }

                await runtime.Client.SyncAsync(Prepare(temp, n - 1), $"v{n - 1}");
                Assert.Equal($"v{n - 1}", await AssertOneCompleteVersionAsync(runtime));

                // Now a sync of a new version (assembly, switch, prune of the oldest) with a kill -9 somewhere in it.
                var sync = runtime.Client.SyncAsync(folder, $"v{n}");
                await Task.WhenAny(sync, Task.Delay(random.Next(0, 60)));
                runtime.Kill();
                kills++;
                await sync.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        await using (var last = await RuntimeProcess.StartAsync(root, extra: extra))
        {
            await AssertOneCompleteVersionAsync(last);
            await last.Client.SyncAsync(Prepare(temp, 31), "v31");
            Assert.Equal("v31", await AssertOneCompleteVersionAsync(last));
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "trash")));
        }

        Assert.True(kills >= 30);
        Assert.True(worst < TimeSpan.FromSeconds(3), $"the slowest restart served a complete version {worst.TotalSeconds:0.00} s after its server listened");
    }

    [Fact]
    public async Task Client_kills_mid_upload_never_leave_a_pod_stuck()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), extra: ["--keep-versions", "1"]);
        await runtime.Client.SyncAsync(Prepare(temp, 0), "v0");
        var random = new Random(1201);
        var kills = 0;
        for (var n = 1; kills < 30 && n <= 80; n++)
        {
            using var client = new PodClient(runtime.Client.BaseAddress, runtime.Token) { UploadConcurrency = 1 };
            using var kill = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(1, 30)));
            try
            {
                await client.SyncAsync(Prepare(temp, n), $"v{n}", kill.Token);
            }
            catch (OperationCanceledException)
            {
                kills++;
                await AssertOneCompleteVersionAsync(runtime);
            }
        }

        Assert.True(kills >= 30, $"{kills} client kills");
        await runtime.Client.SyncAsync(Prepare(temp, 99), "v99");
        Assert.Equal("v99", await AssertOneCompleteVersionAsync(runtime));
    }
}
