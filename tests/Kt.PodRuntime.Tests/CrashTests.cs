namespace Kt.PodRuntime.Tests;

public sealed class CrashTests
{
    [Fact]
    public async Task A_worker_crash_is_reported_to_in_flight_callers_and_the_worker_restarts()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "v1");
        var before = await runtime.Client.CallAsync<int>("Demo.Calc", "Pid");

        var bystander = runtime.Client.CallAsync<string>("Demo.Calc", "Wait", [20_000]);
        await Task.Delay(200);
        var crash = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.CallAsync<object>("Demo.Calc", "Crash"));
        Assert.Equal((502, "KT4035", "Kt.WorkerCrashed"), (crash.StatusCode, crash.Code, crash.RemoteType));
        Assert.True(crash.Error.Message.Contains("kt test crash", StringComparison.Ordinal), crash.Error.Message); // FailFast text from the worker stderr
        var other = await Assert.ThrowsAsync<RemoteException>(() => bystander);
        Assert.Equal("KT4035", other.Code);

        await runtime.Client.WaitReadyAsync("v1", TimeSpan.FromSeconds(30));
        Assert.Equal(3, await runtime.Client.CallAsync<int>("Demo.Calc", "Add", [1, 2]));
        Assert.NotEqual(before, await runtime.Client.CallAsync<int>("Demo.Calc", "Pid"));
        Assert.Matches(@"(?m)^kt_worker_crashes_total 1", await runtime.Client.GetMetricsAsync());
    }

    [Fact]
    public async Task Sigterm_answers_in_flight_calls_with_pod_terminating_and_ends_the_process_tree()
    {
        using var temp = new TempRoot();
        var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        await using var _ = runtime;
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "v1");
        var workerPid = await runtime.Client.CallAsync<int>("Demo.Calc", "Pid");
        var inFlight = runtime.Client.CallAsync<string>("Demo.Calc", "Wait", [30_000]);
        await Task.Delay(200);

        await runtime.TerminateAsync(TimeSpan.FromSeconds(20));
        var error = await Assert.ThrowsAsync<RemoteException>(() => inFlight);
        Assert.Equal((503, "KT4036"), (error.StatusCode, error.Code));
        Assert.True(runtime.HasExited);
        Assert.False(Directory.Exists($"/proc/{workerPid}") && !File.ReadAllText($"/proc/{workerPid}/stat").Contains(" Z ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_worker_that_dies_before_connecting_is_KT4039_with_what_the_host_printed()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var app = temp.Sub("app");
        UserCode.Write(app);

        // A framework no machine has: the host refuses to start the worker and says why on stderr only.
        File.WriteAllText(Path.Combine(app, UserCode.AssemblyName + ".runtimeconfig.json"),
            """{"runtimeOptions":{"tfm":"net99.0","framework":{"name":"Microsoft.NETCore.App","version":"99.0.0"}}}""");
        var error = await Assert.ThrowsAsync<RemoteException>(async () =>
        {
            await runtime.Client.SyncAsync(app, "v1");
            await runtime.Client.CallAsync<int>("Demo.Calc", "Add", [1, 2]);
        });

        Assert.Equal("KT4039", error.Code);
        Assert.True(error.Error.Message.Contains("99.0.0", StringComparison.Ordinal), error.Error.Message);
    }
}
