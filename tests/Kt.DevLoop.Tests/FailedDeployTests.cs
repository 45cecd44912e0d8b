using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// A deploy that cannot finish leaves the previous pods serving: what would make it fail is checked before a running
/// pod is stopped or removed (a base the engine cannot pull, a setup step the process backend refuses).
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class FailedDeployTests(DevLoopFixture fixture)
{
    [DockerFact]
    public async Task A_new_base_that_cannot_be_pulled_is_KT7006_and_the_running_containers_keep_serving()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "still here");
        var service = ProcessBackendTests.Unique("keep");
        using var backend = new DockerBackend();
        var deployer = new ServiceDeployer(backend);
        var serving = ProcessBackendTests.Request(service, Image.From(Environments.DotnetReadyBaseImage), temp.Path, code) with
        {
            Service = new ServiceSpec { Service = service, BaseImage = Environments.DotnetReadyBaseImage, Memory = "512Mi" },
        };
        // A registry that answers, a name it does not have: the pull fails as a mistyped base would.
        var absent = $"{Environments.RegistryHost}/kt-absent-{Guid.NewGuid():N}:1";
        try
        {
            var first = await deployer.DeployAsync(serving);

            var error = await Assert.ThrowsAsync<KtException>(() => deployer.DeployAsync(serving with
            {
                Image = Image.From(absent).Definition,
                Service = serving.Service with { BaseImage = absent },
            }));

            Assert.Equal(DevLoopErrors.BaseImageMissing, error.Code);
            Assert.Contains(absent, error.Message, StringComparison.Ordinal);
            var still = await backend.FindAsync(service);
            Assert.NotNull(still);
            Assert.Equal(first.Pods.Pods[0].Address, still.Pods[0].Address);
            Assert.Equal("still here|", await ProcessBackendTests.CallAsync(still, "Describe"));
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }

    [Fact]
    public async Task A_new_world_size_with_a_refused_step_is_KT7010_before_the_running_pods_stop()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "one pod");
        var service = ProcessBackendTests.Unique("world");
        using var backend = new ProcessBackend();
        var deployer = new ServiceDeployer(backend);
        var serving = ProcessBackendTests.Request(service, Image.From("debian:bookworm"), temp.Path, code);
        try
        {
            var first = await deployer.DeployAsync(serving);

            var error = await Assert.ThrowsAsync<KtException>(() => deployer.DeployAsync(serving with
            {
                Image = Image.From("debian:bookworm").AptInstall("cowsay").Definition,
                Service = serving.Service with { Replicas = 2 },
            }));

            Assert.Equal(DevLoopErrors.HostSetupRefused, error.Code);
            var still = await backend.FindAsync(service);
            Assert.NotNull(still);
            Assert.Single(still.Pods);
            Assert.Equal(first.Pods.Pods[0].Address, still.Pods[0].Address);
            Assert.Equal("one pod|", await ProcessBackendTests.CallAsync(still, "Describe"));
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }
}
