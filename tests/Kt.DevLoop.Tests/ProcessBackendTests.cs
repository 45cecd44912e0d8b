using System.Diagnostics;
using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>The embedded default for real: pod runtime processes on loopback, deployed, called, redeployed, torn down.</summary>
[Collection(DevLoopCollection.Name)]
public sealed class ProcessBackendTests(DevLoopFixture fixture)
{
    [Fact]
    public async Task A_deploy_runs_new_steps_only_and_syncs_only_changed_files()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "first");
        var service = Unique("loop");
        using var backend = new ProcessBackend();
        var deployer = new ServiceDeployer(backend);
        var image = Image.From("debian:bookworm").Env("GREETING", "hi");
        try
        {
            var first = await deployer.DeployAsync(Request(service, image, temp.Path, code));
            Assert.Equal(1, first.Pods.Created);
            Assert.Equal(1, first.StepsRun);
            Assert.Equal("first|hi", await CallAsync(first.Pods, "Describe"));

            File.WriteAllText(Path.Combine(code, "message.txt"), "second");
            var second = await deployer.DeployAsync(Request(service, image, temp.Path, code));
            Assert.Equal(0, second.Pods.Created);
            Assert.Equal(0, second.StepsRun);
            Assert.Equal(1, second.UploadedBlobs);
            Assert.NotEqual(first.Version, second.Version);
            Assert.Equal("second|hi", await CallAsync(second.Pods, "Describe"));

            var unchanged = await deployer.DeployAsync(Request(service, image, temp.Path, code));
            Assert.Equal((0, 0, 0L), (unchanged.StepsRun, unchanged.UploadedBlobs, unchanged.UploadedBytes));
            Assert.Equal(second.Version, unchanged.Version);

            var withStep = await deployer.DeployAsync(Request(service, image.Run("echo ran > ran.txt"), temp.Path, code));
            Assert.Equal(1, withStep.StepsRun);
            var work = withStep.Pods.Pods[0].WorkDirectory!;
            Assert.Equal("ran", File.ReadAllText(Path.Combine(work, "ran.txt")).Trim());
        }
        finally
        {
            Assert.True(await backend.TeardownAsync(service));
        }

        Assert.False(Directory.Exists(ProcessBackend.ServiceFolder(service)));
    }

    [Fact]
    public async Task A_session_whose_pod_was_killed_finds_it_again()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "session");
        var service = Unique("session");
        using var backend = new ProcessBackend();
        var memory = new DeployMemory(); // one session's deploys, as kt watch makes them
        var image = Image.From("debian:bookworm").Env("GREETING", "kept");
        try
        {
            await new ServiceDeployer(backend) { Memory = memory }.DeployAsync(Request(service, image, temp.Path, code));
            var pid = StatePid(service);
            Process.GetProcessById(pid).Kill(entireProcessTree: true);
            await Process.GetProcessById(pid).WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });
            File.WriteAllText(Path.Combine(code, "message.txt"), "after the kill");

            // The remembered pod does not answer: the deploy takes the whole path and replaces it.
            var again = await new ServiceDeployer(backend) { Memory = memory }.DeployAsync(Request(service, image, temp.Path, code));

            Assert.Equal(1, again.Pods.Created);
            Assert.Equal("after the kill|kept", await CallAsync(again.Pods, "Describe"));
            File.WriteAllText(Path.Combine(code, "message.txt"), "then quickly");
            var quick = await new ServiceDeployer(backend) { Memory = memory }.DeployAsync(Request(service, image, temp.Path, code));
            Assert.Equal((0.0, 0.0), (quick.Timings.Pods, quick.Timings.Setup)); // the new pod is remembered: sync only
            Assert.Equal("then quickly|kept", await CallAsync(quick.Pods, "Describe"));
        }
        finally
        {
            Assert.True(await backend.TeardownAsync(service));
        }
    }

    [Fact]
    public async Task A_killed_pod_is_replaced_and_keeps_its_journal()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "durable");
        var service = Unique("revive");
        using var backend = new ProcessBackend();
        var deployer = new ServiceDeployer(backend);
        var image = Image.From("debian:bookworm").Env("GREETING", "kept").Run("echo once >> count.txt");
        try
        {
            var first = await deployer.DeployAsync(Request(service, image, temp.Path, code));
            Assert.Equal(2, first.StepsRun);
            var pid = StatePid(service);
            Process.GetProcessById(pid).Kill(entireProcessTree: true);
            await Process.GetProcessById(pid).WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { });

            var again = await deployer.DeployAsync(Request(service, image, temp.Path, code));

            Assert.Equal(1, again.Pods.Created);
            Assert.Equal(0, again.StepsRun); // the journal survived in the pod's root
            Assert.NotEqual(pid, StatePid(service));
            Assert.Equal("durable|kept", await CallAsync(again.Pods, "Describe"));
            Assert.Equal("once", File.ReadAllText(Path.Combine(again.Pods.Pods[0].WorkDirectory!, "count.txt")).Trim());
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }

    [Fact]
    public async Task Steps_that_change_this_machine_are_refused_with_KT7010_before_anything_runs()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "host");
        var service = Unique("host");
        using var backend = new ProcessBackend();
        var deployer = new ServiceDeployer(backend);
        try
        {
            var error = await Assert.ThrowsAsync<KtException>(() => deployer.DeployAsync(
                Request(service, Image.From("debian:bookworm").Run("echo before > before.txt").AptInstall("cowsay"), temp.Path, code)));

            Assert.Equal(DevLoopErrors.HostSetupRefused, error.Code);
            Assert.Contains("KtAllowHostSetup", error.Message, StringComparison.Ordinal);
            var pods = await backend.FindAsync(service);
            Assert.NotNull(pods);
            using var client = new PodClient(pods.Pods[0].Address, pods.Pods[0].Token);
            Assert.Empty(await client.GetJournalAsync());
            Assert.False(File.Exists(Path.Combine(pods.Pods[0].WorkDirectory!, "before.txt")));
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }

    [Fact]
    public async Task Replicas_get_their_rank_and_a_new_world_size_replaces_the_pods()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "ranks");
        var service = Unique("ranks");
        using var backend = new ProcessBackend();
        var deployer = new ServiceDeployer(backend);
        var image = Image.From("debian:bookworm");
        try
        {
            var two = await deployer.DeployAsync(Request(service, image, temp.Path, code) with { Service = Spec(service) with { Replicas = 2 } });
            var ranks = await Broadcast<int>(two.Pods, "Rank");
            Assert.Equal([0, 1], ranks);

            var three = await deployer.DeployAsync(Request(service, image, temp.Path, code) with { Service = Spec(service) with { Replicas = 3 } });
            Assert.Equal(3, three.Pods.Created);
            var threeRanks = await Broadcast<int>(three.Pods, "Rank");
            Assert.Equal([0, 1, 2], threeRanks);
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("-leading")]
    [InlineData("")]
    public async Task An_invalid_service_name_is_refused_with_KT0001(string name)
    {
        using var backend = new ProcessBackend();
        var error = await Assert.ThrowsAsync<KtException>(() => backend.EnsureAsync(new ServiceSpec { Service = name }));
        Assert.Equal(ServiceNames.InvalidCode, error.Code);
        Assert.False(Directory.Exists(ProcessBackend.ServiceFolder(name)) && name.Length > 0);
    }

    internal static DeployRequest Request(string service, Image image, string projectDirectory, string code) => new()
    {
        Service = Spec(service),
        Image = image.Definition,
        ProjectDirectory = projectDirectory,
        CodeDirectory = code,
        ReadyTimeout = TimeSpan.FromSeconds(60),
    };

    internal static ServiceSpec Spec(string service) => new() { Service = service };

    internal static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    internal static async Task<string?> CallAsync(ServicePods pods, string method)
    {
        using var client = new PodClient(pods.Pods[0].Address, pods.Pods[0].Token);
        return await client.CallAsync<string>(typeof(SampleFunctions).FullName!, method);
    }

    private static async Task<T?[]> Broadcast<T>(ServicePods pods, string method)
    {
        var clients = pods.Pods.Select(p => new PodClient(p.Address, p.Token)).ToList();
        try
        {
            return (await new SpmdClient(clients).BroadcastAsync<T>(typeof(SampleFunctions).FullName!, method)).ToArray();
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    private static int StatePid(string service)
    {
        using var state = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(ProcessBackend.ServiceFolder(service), "service.json")));
        return state.RootElement.GetProperty("pods")[0].GetProperty("pid").GetInt32();
    }
}
