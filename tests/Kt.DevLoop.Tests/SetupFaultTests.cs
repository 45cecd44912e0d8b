using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>Issue 12, fault 4: a failed setup no longer sticks once the failing step is gone from the definition.</summary>
[Collection(DevLoopCollection.Name)]
public sealed class SetupFaultTests(DevLoopFixture fixture)
{
    [Fact]
    public async Task Fault4_a_failed_setup_clears_when_the_failing_step_is_removed()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "healed");
        var service = ProcessBackendTests.Unique("heal");
        using var backend = new ProcessBackend();
        var deployer = new ServiceDeployer(backend);
        var image = Image.From("debian:bookworm").Env("GREETING", "back");
        var request = ProcessBackendTests.Request(service, image.Run("exit 3"), temp.Path, code) with { ReadyTimeout = TimeSpan.FromSeconds(20) };
        try
        {
            var failed = await Assert.ThrowsAsync<Kt.Core.KtException>(() => deployer.DeployAsync(request));
            Assert.Equal("KT4011", failed.Code);

            // The definition without the failing step: its plan is empty (the step was never journaled), yet it is sent.
            var healed = await deployer.DeployAsync(request with { Image = image.Definition });
            Assert.Equal("healed|back", await ProcessBackendTests.CallAsync(healed.Pods, "Describe"));
            using var client = new PodClient(healed.Pods.Pods[0].Address, healed.Pods.Pods[0].Token);
            Assert.Equal("ok", (await client.GetJournalStateAsync()).Setup);
            Assert.True(await client.IsReadyAsync());
        }
        finally
        {
            Assert.True(await backend.TeardownAsync(service));
        }
    }
}
