using Kt.TestSupport;

namespace Kt.PodRuntime.Tests;

public sealed class JournalTests
{
    private static LiveStep Run(string key, string shell, string? dir = null) =>
        new() { Key = key.PadRight(64, '0'), Kind = "run", Description = shell, Shell = shell, WorkingDirectory = dir, Environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" } };

    [Fact]
    public async Task A_failing_step_is_not_recorded_is_retried_and_the_journal_survives_a_restart()
    {
        using var temp = new TempRoot();
        var root = Path.Combine(temp.Path, "root");
        var work = temp.Sub("work");
        var a = Run("a", "echo one >> log.txt; echo out-a", work);
        var failing = Run("b", "echo about-to-fail; exit 3", work);
        await using (var runtime = await RuntimeProcess.StartAsync(root))
        {
            var events = new List<PlanEvent>();
            var error = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.ApplyPlanAsync(
                new LivePlan { Steps = [a, failing] }, new SyncProgress(events)));
            Assert.Equal("KT4011", error.Code);
            Assert.Contains("exited with code 3", error.Error.Message);
            Assert.Contains("about-to-fail", error.Error.Message);
            Assert.Contains(events, e => e.Event == "output" && e.Line == "out-a");
            Assert.Equal([a.Key], (await runtime.Client.GetJournalAsync()).Select(e => e.Key));
            Assert.False(await runtime.Client.IsReadyAsync());

            // Stale plans are refused before anything runs.
            var stale = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.ApplyPlanAsync(new LivePlan { KeepPrefix = 1, ExpectedPrefix = ["f".PadRight(64, 'f')], Steps = [a] }));
            Assert.Equal((409, "KT4010"), (stale.StatusCode, stale.Code));

            // The same failing key runs again next time (fixed now through the environment it reads).
            var fixedStep = failing with { Shell = "echo retried >> log.txt" };
            var result = await runtime.Client.ApplyPlanAsync(new LivePlan { KeepPrefix = 1, ExpectedPrefix = [a.Key], Steps = [fixedStep] });
            Assert.Equal((1, 2), (result.StepsRun, result.JournalLength));
            Assert.Equal(["one", "retried"], File.ReadAllLines(Path.Combine(work, "log.txt")));
            Assert.True(await runtime.Client.IsReadyAsync());
        }

        await using (var restarted = await RuntimeProcess.StartAsync(root))
        {
            Assert.Equal([a.Key, failing.Key], (await restarted.Client.GetJournalAsync()).Select(e => e.Key));

            // Truncation to the kept prefix then one appended step.
            var c = Run("c", "true", work);
            var result = await restarted.Client.ApplyPlanAsync(new LivePlan { KeepPrefix = 1, ExpectedPrefix = [a.Key], Steps = [c] });
            Assert.Equal(2, result.JournalLength);
            Assert.Equal([a.Key, c.Key], (await restarted.Client.GetJournalAsync()).Select(e => e.Key));
        }
    }

    [Fact]
    public async Task The_plan_environment_goes_on_top_of_the_base_environment_and_removed_variables_are_absent()
    {
        using var temp = new TempRoot();
        var basePath = "/kt-base-test/bin:" + Environment.GetEnvironmentVariable("PATH");
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), new Dictionary<string, string> { ["PATH"] = basePath, ["HOME"] = "/kt-base-home" });
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "v1");

        var first = await runtime.Client.ApplyPlanAsync(new LivePlan { Environment = new Dictionary<string, string> { ["KEEP"] = "1", ["DROP"] = "2" } });
        Assert.True(first.EnvironmentChanged);
        Assert.Equal("2", await runtime.Client.CallAsync<string>("Demo.Calc", "Env", ["DROP"]));
        Assert.Equal("0", await runtime.Client.CallAsync<string>("Demo.Calc", "Env", ["RANK"]));

        await runtime.Client.ApplyPlanAsync(new LivePlan { Environment = new Dictionary<string, string> { ["KEEP"] = "1" } });
        Assert.Null(await runtime.Client.CallAsync<string>("Demo.Calc", "Env", ["DROP"]));
        Assert.Equal("1", await runtime.Client.CallAsync<string>("Demo.Calc", "Env", ["KEEP"]));
        Assert.Null(await runtime.Client.CallAsync<string>("Demo.Calc", "Env", ["KT_TOKEN_FILE"]));
        Assert.Equal(basePath, await runtime.Client.CallAsync<string>("Demo.Calc", "Env", ["PATH"])); // the base stays under the plan
        Assert.Equal("/kt-base-home", await runtime.Client.CallAsync<string>("Demo.Calc", "Env", ["HOME"]));
    }

    [Fact]
    public async Task Command_steps_see_the_base_environment_under_their_own_and_the_journal_reports_the_base()
    {
        using var temp = new TempRoot();
        var work = temp.Sub("work");
        var basePath = "/kt-base-test/bin:" + Environment.GetEnvironmentVariable("PATH");
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), new Dictionary<string, string> { ["PATH"] = basePath, ["KT_BASE_ONLY"] = "from-base" });
        var step = new LiveStep
        {
            Key = "e".PadRight(64, 'e'), Kind = "run", Description = "print", WorkingDirectory = work,
            Shell = "echo \"$PATH|$KT_BASE_ONLY|$KT_STEP_VAR\" > seen.txt",
            Environment = new Dictionary<string, string> { ["KT_STEP_VAR"] = "from-step" },
        };
        await runtime.Client.ApplyPlanAsync(new LivePlan { Steps = [step], Environment = new Dictionary<string, string> { ["KT_STEP_VAR"] = "from-step" } });
        Assert.Equal($"{basePath}|from-base|from-step", File.ReadAllText(Path.Combine(work, "seen.txt")).Trim());

        var state = await runtime.Client.GetJournalStateAsync();
        var (entries, podBase) = (state.Entries, state.Base);
        Assert.Equal([step.Key], entries.Select(e => e.Key));
        Assert.NotNull(podBase);
        Assert.Equal(basePath, podBase.Environment["PATH"]);
        Assert.False(podBase.Environment.ContainsKey("KT_STEP_VAR")); // the base is what the pod started with, not the plan
        Assert.False(podBase.Environment.ContainsKey("KT_TOKEN_FILE"));
        Assert.Equal(ProcessRunner.Run("id", ["-u"]).EnsureSuccess("id -u").Output.Trim(), podBase.User);
    }

    [Fact]
    public async Task File_steps_place_files_and_delete_the_ones_no_longer_listed()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var source = temp.Sub("source");
        File.WriteAllText(Path.Combine(source, "a.txt"), "A");
        Directory.CreateDirectory(Path.Combine(source, "sub"));
        File.WriteAllText(Path.Combine(source, "sub", "b.txt"), "B");
        var destination = Path.Combine(temp.Path, "dest");

        var manifest = await runtime.Client.UploadFolderBlobsAsync(source);
        var copy = new LiveStep { Key = "1".PadRight(64, '1'), Kind = "copy", Description = "copy source", Files = new LiveFiles(destination, manifest) };
        await runtime.Client.ApplyPlanAsync(new LivePlan { Steps = [copy] });
        Assert.Equal("B", File.ReadAllText(Path.Combine(destination, "sub", "b.txt")));

        File.Delete(Path.Combine(source, "sub", "b.txt"));
        File.WriteAllText(Path.Combine(source, "c.txt"), "C");
        var next = await runtime.Client.UploadFolderBlobsAsync(source);
        var copy2 = copy with { Key = "2".PadRight(64, '2'), Files = new LiveFiles(destination, next) };
        await runtime.Client.ApplyPlanAsync(new LivePlan { Steps = [copy2] });
        Assert.False(File.Exists(Path.Combine(destination, "sub", "b.txt")));
        Assert.Equal("C", File.ReadAllText(Path.Combine(destination, "c.txt")));
        Assert.Equal("A", File.ReadAllText(Path.Combine(destination, "a.txt")));

        // A step whose blobs were never uploaded fails and is not recorded.
        var unknown = new LiveFiles(destination, new ContentManifest([new ContentEntry("x.txt", 1, 420, new string('e', 64))]));
        var error = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.ApplyPlanAsync(new LivePlan { KeepPrefix = 1, ExpectedPrefix = [copy2.Key], Steps = [copy with { Key = "3".PadRight(64, '3'), Files = unknown }] }));
        Assert.Equal("KT4013", error.Code);
        Assert.Single(await runtime.Client.GetJournalAsync());
    }

    /// <summary>Progress that records synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(List<PlanEvent> events) : IProgress<PlanEvent>
    {
        public void Report(PlanEvent value) => events.Add(value);
    }
}
