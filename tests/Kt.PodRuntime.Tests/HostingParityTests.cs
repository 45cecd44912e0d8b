using Kt.TestSupport;

namespace Kt.PodRuntime.Tests;

/// <summary>
/// User code in the worker runs as <c>dotnet App.dll</c> runs it: deps.json (native and satellite assets),
/// runtimeconfig knobs, the app folder as base and current directory — also after in-place reloads.
/// </summary>
public sealed class HostingParityTests
{
    [Fact]
    public async Task A_published_app_answers_with_the_fingerprint_of_dotnet_App_dll_before_and_after_three_in_place_reloads()
    {
        using var temp = new TempRoot();
        var direct = ParityProbeApp.RunDirect(ParityProbeApp.PublishFolder);
        Assert.Equal("ok", direct["native.sqlite"]); // the probe itself is sound: the host finds runtimes/<rid>/native
        Assert.Equal("Bonjour", direct["satellite.fr"]);
        Assert.Equal("false", direct["knob.invariant"]);

        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        int? workerPid = null;
        for (var edit = 0; edit <= 3; edit++)
        {
            var folder = ParityProbeApp.CopyWithContent(temp.Sub($"v{edit}"), $"probe content edit {edit}");
            await runtime.Client.SyncAsync(folder, $"v{edit}");
            var remote = ParityProbeApp.Parse((await runtime.Client.CallAsync<string>(ParityProbeApp.EntryType, "Surroundings"))!);
            Assert.Equal(Expected(direct, edit, native: "not asked"), remote);

            // The first version starts a worker with the app's runtimeconfig; the edits (same runtimeconfig) reload in place.
            var pid = await runtime.Client.CallAsync<int>(ParityProbeApp.EntryType, "ProcessId");
            Assert.True(edit == 0 || workerPid == pid, runtime.Output);
            workerPid = pid;
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        long verified = 0, failed = 0;
        while (DateTime.UtcNow < deadline && verified + failed < 3)
        {
            var metrics = await runtime.Client.GetMetricsAsync();
            (verified, failed) = (ReloadTests.Metric(metrics, "kt_unloads_verified_total"), ReloadTests.Metric(metrics, "kt_unload_failures_total"));
            await Task.Delay(50);
        }

        Assert.Equal((3L, 0L), (verified, failed)); // the retired generations (satellite assembly loaded) unloaded

        var full = ParityProbeApp.Parse((await runtime.Client.CallAsync<string>(ParityProbeApp.EntryType, ParityProbeApp.EntryMethod))!);
        Assert.Equal(Expected(direct, 3, native: "ok"), full);
    }

    private static SortedDictionary<string, string> Expected(IReadOnlyDictionary<string, string> direct, int edit, string native) =>
        new(direct.ToDictionary())
        {
            ["content.base"] = $"probe content edit {edit}",
            ["content.relative"] = $"probe content edit {edit}",
            ["native.sqlite"] = native,
        };
}
