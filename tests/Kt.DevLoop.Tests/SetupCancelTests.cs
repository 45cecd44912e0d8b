using System.Globalization;
using System.Threading.Channels;
using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// Ctrl+C during a deploy (the deploy's cancellation) while a setup step runs on a real process pod: the pod kills the
/// step's processes, does not journal it, keeps serving the code it served, and the next deploy runs the step again.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class SetupCancelTests(DevLoopFixture fixture)
{
    // Minutes long unless `fast` exists: a background sleep (a process of its own) and the shell waiting for it.
    private const string SlowStep = "if [ -f fast ]; then echo ran >> ran.txt; exit 0; fi; sleep 600 & echo $! > sleep.pid; echo $$ > shell.pid; echo waiting; wait";

    [Fact]
    public async Task A_cancelled_deploy_kills_the_running_step_and_leaves_it_out_of_the_journal_so_the_next_deploy_runs_it()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "kept");
        var service = ProcessBackendTests.Unique("cancel");
        using var backend = new ProcessBackend();
        var lines = Channel.CreateUnbounded<string>();
        var deployer = new ServiceDeployer(backend, line => lines.Writer.TryWrite(line));
        var image = Image.From("debian:bookworm").Env("GREETING", "hi");
        try
        {
            var first = await deployer.DeployAsync(ProcessBackendTests.Request(service, image, temp.Path, code));
            var pod = first.Pods.Pods[0];
            Assert.Equal("kept|hi", await ProcessBackendTests.CallAsync(first.Pods, "Describe"));

            using var cancel = new CancellationTokenSource();
            var slow = deployer.DeployAsync(ProcessBackendTests.Request(service, image.Run(SlowStep), temp.Path, code), cancel.Token);
            using (var wait = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
            {
                while (!(await lines.Reader.ReadAsync(wait.Token)).EndsWith("waiting", StringComparison.Ordinal))
                {
                }
            }

            var sleep = Pid(pod, "sleep.pid");
            var shell = Pid(pod, "shell.pid");
            Assert.True(Alive(sleep) && Alive(shell));
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);

            // The pod sees the request end and kills the step's process group: both processes go (a bounded wait for that).
            using (var gone = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                while (Alive(sleep) || Alive(shell))
                {
                    await Task.Delay(20, gone.Token);
                }
            }

            // The plan ends on the pod once the killed step's pipes close: until then it still says applying.
            using var client = new PodClient(pod.Address, pod.Token);
            var journal = await client.GetJournalStateAsync();
            using (var settled = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
            {
                while (journal.Setup == SetupStates.Applying)
                {
                    await Task.Delay(20, settled.Token);
                    journal = await client.GetJournalStateAsync();
                }
            }

            Assert.Equal(["env"], journal.Entries.Select(e => e.Kind));
            Assert.Equal(SetupStates.Ok, journal.Setup); // the setup it had; the cancelled plan changed nothing
            Assert.Equal("kept|hi", await ProcessBackendTests.CallAsync(first.Pods, "Describe"));

            File.WriteAllText(Path.Combine(pod.WorkDirectory!, "fast"), "");
            var again = await deployer.DeployAsync(ProcessBackendTests.Request(service, image.Run(SlowStep), temp.Path, code));
            Assert.Equal(1, again.StepsRun);
            Assert.Equal("ran", File.ReadAllText(Path.Combine(pod.WorkDirectory!, "ran.txt")).Trim());
            Assert.Equal(["env", "run"], (await client.GetJournalStateAsync()).Entries.Select(e => e.Kind));
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }

    private static int Pid(PodEndpoint pod, string file) =>
        int.Parse(File.ReadAllText(Path.Combine(pod.WorkDirectory!, file)).Trim(), CultureInfo.InvariantCulture);

    /// <summary>Alive and not a zombie (a killed child not yet reaped is gone for every purpose here).</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].TrimStart()[0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
