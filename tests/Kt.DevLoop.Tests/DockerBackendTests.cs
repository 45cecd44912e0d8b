using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.Docker;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// The docker backend against the real engine: pods are containers of a locally built Debian image (no .NET inside;
/// the host's is mounted), setup steps run inside them, a second deploy finds them, teardown removes them.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class DockerBackendTests(DevLoopFixture fixture)
{
    [DockerFact]
    public async Task Pods_are_containers_of_the_base_image_with_steps_run_inside_and_a_redeploy_finds_them()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "in a container");
        var service = ProcessBackendTests.Unique("dock");
        using var backend = new DockerBackend();
        var deployer = new ServiceDeployer(backend);
        var image = Image.From(Environments.DotnetReadyBaseImage).Env("GREETING", "from docker").Run("echo made-in-the-pod > /opt/marker.txt");
        var request = ProcessBackendTests.Request(service, image, temp.Path, code) with
        {
            Service = new ServiceSpec { Service = service, BaseImage = Environments.DotnetReadyBaseImage, Replicas = 2, Memory = "512Mi" },
        };
        try
        {
            var first = await deployer.DeployAsync(request);
            Assert.Equal(2, first.Pods.Created);
            Assert.Equal(2, first.StepsRun);
            Assert.Equal("in a container|from docker", await ProcessBackendTests.CallAsync(first.Pods, "Describe"));
            using (var client = new PodClient(first.Pods.Pods[1].Address, first.Pods.Pods[1].Token))
            {
                // The step wrote inside the container, not on this machine.
                Assert.Equal("made-in-the-pod", await client.CallAsync<string>(typeof(SampleFunctions).FullName!, "ReadFile", ["/opt/marker.txt"]));
                Assert.Equal(1, await client.CallAsync<int>(typeof(SampleFunctions).FullName!, "Rank"));
            }

            Assert.False(File.Exists("/opt/marker.txt") && File.ReadAllText("/opt/marker.txt").Contains("made-in-the-pod", StringComparison.Ordinal));

            File.WriteAllText(Path.Combine(code, "message.txt"), "changed");
            var second = await deployer.DeployAsync(request);
            Assert.Equal((0, 0), (second.Pods.Created, second.StepsRun));
            Assert.Equal(2, second.UploadedBlobs); // one changed file, sent to each of the two pods
            Assert.Equal("changed|from docker", await ProcessBackendTests.CallAsync(second.Pods, "Describe"));
        }
        finally
        {
            Assert.True(await backend.TeardownAsync(service));
        }

        using var engine = await DockerEngine.ConnectAsync();
        Assert.Empty(await new DockerContainers(engine.Connection).ListByLabelAsync(DockerBackend.ServiceLabel, service));
        Assert.False(await new DockerContainers(engine.Connection).NetworkExistsAsync(DockerBackend.NetworkName(service)));
    }

    [DockerFact]
    public async Task A_base_image_that_is_not_in_the_engine_fails_with_KT7006_and_creates_nothing()
    {
        var service = ProcessBackendTests.Unique("noimg");
        using var backend = new DockerBackend();

        var error = await Assert.ThrowsAsync<KtException>(() => backend.EnsureAsync(new ServiceSpec { Service = service, BaseImage = "kt-test/absent:never" }));

        Assert.Equal(DevLoopErrors.BaseImageMissing, error.Code);
        Assert.Contains("could not pull", error.Message, StringComparison.Ordinal);
        Assert.Null(await backend.FindAsync(service));
    }

    [RegistryFact]
    public async Task A_base_image_only_in_a_registry_is_pulled_so_one_reference_serves_dev_and_freeze()
    {
        // Pushed under a name of its own, then removed from the engine: the image is in the registry only.
        var reference = $"{Environments.RegistryHost}/kt-devloop-pull-{Guid.NewGuid():N}:bookworm";
        ProcessRunner.Run("docker", ["tag", Environments.DotnetReadyBaseImage, reference]).EnsureSuccess("docker tag");
        ProcessRunner.Run("docker", ["push", "-q", reference]).EnsureSuccess("docker push");
        ProcessRunner.Run("docker", ["rmi", reference]).EnsureSuccess("docker rmi");
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "pulled");
        var service = ProcessBackendTests.Unique("pull");
        using var backend = new DockerBackend();
        var request = ProcessBackendTests.Request(service, Image.From(reference).Env("GREETING", "from the registry"), temp.Path, code) with
        {
            Service = new ServiceSpec { Service = service, BaseImage = reference, Memory = "512Mi" },
        };
        try
        {
            var deploy = await new ServiceDeployer(backend).DeployAsync(request);
            Assert.Equal("pulled|from the registry", await ProcessBackendTests.CallAsync(deploy.Pods, "Describe"));
        }
        finally
        {
            await backend.TeardownAsync(service);
            ProcessRunner.Run("docker", ["rmi", reference]);
        }
    }
}
