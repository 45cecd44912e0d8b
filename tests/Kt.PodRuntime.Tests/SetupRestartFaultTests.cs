namespace Kt.PodRuntime.Tests;

/// <summary>
/// Issue 22, item 7: a failed setup survives a runtime restart. Before, the setup state lived in memory only: a pod whose
/// step failed answered 503 on /health/ready until it restarted, and 200 after, with its setup incomplete.
/// </summary>
public sealed class SetupRestartFaultTests
{
    [Fact]
    public async Task A_pod_whose_setup_failed_is_still_not_ready_after_a_restart_until_a_plan_succeeds()
    {
        using var temp = new TempRoot();
        var root = Path.Combine(temp.Path, "root");
        var good = new LiveStep { Key = new string('a', 64), Kind = "run", Description = "good", Shell = "true" };
        var failing = new LiveStep { Key = new string('b', 64), Kind = "run", Description = "fails", Shell = "exit 3" };
        await using (var first = await RuntimeProcess.StartAsync(root))
        {
            var error = await Assert.ThrowsAsync<RemoteException>(() => first.Client.ApplyPlanAsync(new LivePlan { Steps = [good, failing] }));
            Assert.Equal("KT4011", error.Code);
            Assert.Equal(503, await ReadyStatusAsync(first));

            first.Kill(); // as a container restart after a crash: nothing is written on the way out
        }

        await using (var second = await RuntimeProcess.StartListeningAsync(root))
        {
            Assert.Equal(503, await ReadyStatusAsync(second));
            Assert.Equal(SetupStates.Failed, (await second.Client.GetJournalStateAsync()).Setup);

            // The next plan clears it, as before the restart.
            await second.Client.ApplyPlanAsync(new LivePlan { KeepPrefix = 1, ExpectedPrefix = [good.Key], Steps = [failing with { Shell = "true" }] });
            Assert.Equal(200, await ReadyStatusAsync(second));
            await second.TerminateAsync(TimeSpan.FromSeconds(30));
        }

        await using var third = await RuntimeProcess.StartAsync(root);
        Assert.Equal(200, await ReadyStatusAsync(third));
    }

    private static async Task<int> ReadyStatusAsync(RuntimeProcess runtime)
    {
        using var response = await runtime.Raw.GetAsync(runtime.Url("health/ready"));
        return (int)response.StatusCode;
    }

}
