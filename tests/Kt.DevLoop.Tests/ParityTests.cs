using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// The parity probe (tests/support/ParityProbe: content file, native NuGet asset, satellite, runtimeconfig knobs,
/// current directory, user, PATH, a base tool) deployed with an env step that extends PATH: its fingerprint on a pod
/// equals the one <c>dotnet App.dll</c> prints where the pod's base is. The fingerprint holds no absolute path, so no
/// field differs by design here (docs/dev-loop.md lists what does: entry assembly, process path, the pod's folders).
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class ParityTests
{
    private static Image ProbeImage(string baseImage) => Image.From(baseImage).Env("PATH", "/opt/probe/bin:$PATH").Env("PROBE_GREETING", "hi");

    [Fact]
    public async Task On_the_process_backend_the_probe_answers_as_dotnet_App_dll_with_the_base_PATH_extended()
    {
        using var temp = new TempFolder();
        var service = ProcessBackendTests.Unique("parity");
        using var backend = new ProcessBackend();
        var probe = ParityProbeApp.PublishFolder;
        try
        {
            var deploy = await new ServiceDeployer(backend).DeployAsync(ProcessBackendTests.Request(service, ProbeImage("debian:bookworm"), temp.Path, probe));
            var remote = await FingerprintAsync(deploy.Pods);
            // The pod's base is this process's environment (the backend drops only the build's own variables).
            var expected = ParityProbeApp.RunDirect(probe, new Dictionary<string, string> { ["PATH"] = "/opt/probe/bin:" + Environment.GetEnvironmentVariable("PATH") });
            Assert.Equal("/opt/probe/bin", expected["env.path.first"]);
            Assert.Equal("True", expected["env.path.hasUsrBin"]);
            Assert.Equal(expected, remote);
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }

    [Fact]
    public async Task Through_the_Kubernetes_backend_the_probe_answers_as_dotnet_App_dll_where_its_pod_runs()
    {
        using var temp = new TempFolder();
        // The protocol fake's pods are real runtime processes on this machine, started with the pod template's
        // environment on top of this process's: their base is this machine, as the process backend's is.
        await using var cluster = await FakeKubernetesCluster.StartAsync(temp.Combine("cluster"));
        var service = ProcessBackendTests.Unique("parity-k8s");
        using var backend = new KubernetesBackend(cluster.Api, "dev", KubernetesBackendTests.RuntimeImage);
        var probe = ParityProbeApp.PublishFolder;
        try
        {
            var deploy = await new ServiceDeployer(backend).DeployAsync(ProcessBackendTests.Request(service, ProbeImage("debian:bookworm"), temp.Path, probe));
            Assert.All(deploy.Pods.Pods, p => Assert.Equal("127.0.0.1", p.Address.Host)); // reached through the API server's port-forward
            var remote = await FingerprintAsync(deploy.Pods);
            var expected = ParityProbeApp.RunDirect(probe, new Dictionary<string, string> { ["PATH"] = "/opt/probe/bin:" + Environment.GetEnvironmentVariable("PATH") });
            Assert.Equal("/opt/probe/bin", expected["env.path.first"]);
            Assert.Equal(expected, remote);
        }
        finally
        {
            Assert.True(await backend.TeardownAsync(service));
        }
    }

    [DockerFact]
    public async Task On_the_docker_backend_the_probe_answers_as_dotnet_App_dll_in_a_container_of_the_base_image()
    {
        using var temp = new TempFolder();
        var service = ProcessBackendTests.Unique("parity-dock");
        using var backend = new DockerBackend();
        var probe = ParityProbeApp.InvariantPublishFolder;
        var request = DockerRequest(service, ProbeImage(Environments.DotnetReadyBaseImage), temp, probe);
        try
        {
            var deploy = await new ServiceDeployer(backend).DeployAsync(request);
            var remote = await FingerprintAsync(deploy.Pods);
            var expected = DirectInContainer(Environments.DotnetReadyBaseImage, probe);
            Assert.Equal("/opt/probe/bin", expected["env.path.first"]);
            Assert.Equal(expected, remote);
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }

    [DockerFact]
    public async Task On_the_docker_backend_a_user_step_runs_user_code_as_that_user_as_the_frozen_image_does()
    {
        using var temp = new TempFolder();
        var service = ProcessBackendTests.Unique("parity-user");
        using var backend = new DockerBackend();
        var probe = ParityProbeApp.InvariantPublishFolder;
        // What <ContainerUser>1000</ContainerUser> declares: the frozen image's user (FrozenParityTests), and now the dev pod's.
        var request = DockerRequest(service, ProbeImage(Environments.DotnetReadyBaseImage).User("1000"), temp, probe);
        try
        {
            var deploy = await new ServiceDeployer(backend).DeployAsync(request);
            var remote = await FingerprintAsync(deploy.Pods);
            var expected = DirectInContainer(Environments.DotnetReadyBaseImage, probe, user: "1000");
            Assert.Equal("1000", expected["user.id"]);
            Assert.Equal(expected, remote);

            // A code edit reloads in place; the new worker is the user's too.
            var edited = ParityProbeApp.CopyWithContent(temp.Combine("edited"), "edited", probe);
            var again = await new ServiceDeployer(backend).DeployAsync(request with { CodeDirectory = edited });
            var reloaded = await FingerprintAsync(again.Pods);
            Assert.Equal(("1000", "edited"), (reloaded["user.id"], reloaded["content.base"]));
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }

    /// <summary><c>dotnet ParityProbe.dll</c> in a plain container of the base image (this machine's .NET mounted, as the backend mounts it).</summary>
    internal static IReadOnlyDictionary<string, string> DirectInContainer(string image, string probe, string? user = null)
    {
        var dotnetRoot = Path.GetDirectoryName(Environment.ProcessPath)!;
        var basePath = ProcessRunner.Run("docker", ["image", "inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", image])
            .EnsureSuccess("docker image inspect").Output.Split('\n').FirstOrDefault(l => l.StartsWith("PATH=", StringComparison.Ordinal))?[5..]
            ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        List<string> arguments = ["run", "--rm", "-v", $"{dotnetRoot}:/opt/kt/dotnet:ro", "-v", $"{probe}:/probe:ro", "-w", "/probe", "-e", "PATH=/opt/probe/bin:" + basePath];
        if (user is not null)
        {
            arguments.AddRange(["--user", user]);
        }

        arguments.AddRange([image, "/opt/kt/dotnet/dotnet", "/probe/ParityProbe.dll"]);
        return ParityProbeApp.Parse(ProcessRunner.Run("docker", arguments).EnsureSuccess("dotnet ParityProbe.dll in " + image).Output);
    }

    /// <summary>The probe on one docker pod of the .NET-ready test base.</summary>
    private static DeployRequest DockerRequest(string service, Image image, TempFolder temp, string probe) =>
        ProcessBackendTests.Request(service, image, temp.Path, probe) with
        {
            Service = new ServiceSpec { Service = service, BaseImage = Environments.DotnetReadyBaseImage, Memory = "512Mi" },
        };

    private static async Task<IReadOnlyDictionary<string, string>> FingerprintAsync(ServicePods pods)
    {
        using var client = new PodClient(pods.Pods[0].Address, pods.Pods[0].Token);
        return ParityProbeApp.Parse((await client.CallAsync<string>(ParityProbeApp.EntryType, ParityProbeApp.EntryMethod))!);
    }
}
