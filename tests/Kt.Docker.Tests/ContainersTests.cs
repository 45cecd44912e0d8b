using Docker.DotNet.Models;
using Kt.Core;

namespace Kt.Docker.Tests;

public class ContainersTests(EngineFixture fixture) : IClassFixture<EngineFixture>, IDisposable
{
    private const string OwnerLabel = "dev.kt.test-owner";
    private readonly string _runId = Guid.NewGuid().ToString("N")[..12];
    private readonly TempFolder _temp = new("kt-docker-containers");

    private DockerContainers Containers => new(fixture.Connection);

    private Dictionary<string, string> Labels => new() { [OwnerLabel] = _runId };

    public void Dispose() => _temp.Dispose();

    [DockerFact]
    public async Task A_labelled_container_on_its_own_network_publishes_a_port_is_found_inspected_and_removed()
    {
        var network = $"kt-test-net-{_runId}";
        var name = $"kt-test-svc-{_runId}";
        try
        {
            var networkId = await Containers.EnsureNetworkAsync(network, Labels);
            Assert.Equal(networkId, await Containers.EnsureNetworkAsync(network, Labels)); // idempotent

            var started = await Containers.RunAsync(new ContainerSpec(
                name, Environments.TestBaseImage, ["sh", "-c", "while true; do sleep 1; done"],
                new Dictionary<string, string> { ["KT_ROLE"] = "svc" }, Labels, PublishedPorts: [8080], Mounts: [],
                Network: network, NetworkAliases: ["svc"]));

            Assert.True(started.HostPorts[8080] > 0);
            var listed = Assert.Single(await Containers.ListByLabelAsync(OwnerLabel, _runId));
            Assert.Equal(started.Id, listed.Id);
            Assert.Equal(name, listed.Name);
            Assert.Equal("running", listed.State);
            Assert.Empty(await Containers.ListByLabelAsync(OwnerLabel, "someone-else"));

            var status = await Containers.InspectAsync(name);
            Assert.NotNull(status);
            Assert.True(status.Running);
            Assert.Null(status.ExitCode);
            Assert.False(status.OomKilled);
            Assert.Equal(_runId, status.Labels[OwnerLabel]);
            Assert.Equal(started.HostPorts[8080], status.HostPorts[8080]);
            var inspect = await fixture.Connection.Client.Containers.InspectContainerAsync(started.Id);
            Assert.Equal("127.0.0.1", inspect.NetworkSettings!.Ports!["8080/tcp"][0].HostIP);
            Assert.Contains(network, inspect.NetworkSettings.Networks!.Keys);
            Assert.Contains("KT_ROLE=svc", inspect.Config!.Env);

            await Containers.CopyTarIntoAsync(name, "/tmp", RunStepTests.TarWithFile("payload.txt", "copied"));
            var copied = await fixture.Connection.Client.Containers.GetArchiveFromContainerAsync(
                started.Id, new ContainerPathStatParameters { Path = "/tmp/payload.txt" }, statOnly: true);
            Assert.Equal(6, copied.Stat.Size);

            await Containers.RemoveAsync(name, TimeSpan.FromSeconds(1));
            Assert.Null(await Containers.InspectAsync(name));
            Assert.Empty(await Containers.ListByLabelAsync(OwnerLabel, _runId));

            await Containers.RemoveNetworkAsync(network);
            Assert.False(await Containers.NetworkExistsAsync(network));
        }
        finally
        {
            await Containers.RemoveAsync(name, TimeSpan.Zero);
            await Containers.RemoveNetworkAsync(network);
        }
    }

    [DockerFact]
    public async Task An_exited_container_reports_its_exit_code_and_sees_its_bind_mount()
    {
        var name = $"kt-test-job-{_runId}";
        _temp.Write("in/value", "41");
        try
        {
            await Containers.RunAsync(new ContainerSpec(
                name, Environments.TestBaseImage, ["sh", "-c", "test \"$(cat /data/value)\" = 41 && exit 3"],
                new Dictionary<string, string>(), Labels, PublishedPorts: [], Mounts: [new BindMount(_temp.Combine("in"), "/data", ReadOnly: true)]));
            await fixture.Connection.Client.Containers.WaitContainerAsync(name);

            var status = await Containers.InspectAsync(name);

            Assert.NotNull(status);
            Assert.False(status.Running);
            Assert.Equal("exited", status.Status);
            Assert.Equal(3, status.ExitCode);
            Assert.False(status.OomKilled);
        }
        finally
        {
            await Containers.RemoveAsync(name, TimeSpan.Zero);
        }

        Assert.Empty(await Containers.ListByLabelAsync(OwnerLabel, _runId));
    }

    [DockerFact]
    public async Task A_container_from_a_missing_image_is_KT3004()
    {
        var error = await Assert.ThrowsAsync<KtException>(() => Containers.RunAsync(new ContainerSpec(
            $"kt-test-missing-{_runId}", $"kt-test/absent-{_runId}:v1", null, new Dictionary<string, string>(), Labels, [], [])));

        Assert.Equal("KT3004", error.Code);
        Assert.Empty(await Containers.ListByLabelAsync(OwnerLabel, _runId));
    }

    [DockerFact]
    public async Task Removing_absent_containers_and_networks_is_a_no_op()
    {
        await Containers.RemoveAsync($"kt-test-absent-{_runId}", TimeSpan.Zero);
        await Containers.RemoveNetworkAsync($"kt-test-absent-{_runId}");

        Assert.Null(await Containers.InspectAsync($"kt-test-absent-{_runId}"));
    }
}
