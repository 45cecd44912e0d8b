using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// A live plan on a pod of the Debian test image (the docker backend): the pod checks its own filesystem when it
/// validates the plan and refuses a pip step it cannot serve before any step runs — the apt step before it never
/// starts (without network it would fail with its own error), and the journal stays empty.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class LivePrerequisiteTests(DevLoopFixture fixture)
{
    [DockerFact]
    public async Task A_pod_refuses_a_pip_step_it_cannot_serve_before_the_apt_step_before_it_runs()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "unused");
        var service = ProcessBackendTests.Unique("prereq");
        using var backend = new DockerBackend();
        var image = Image.From(Environments.DotnetReadyBaseImage).AptInstall("jq").PipInstall("six==1.16.0");
        var request = ProcessBackendTests.Request(service, image, temp.Path, code) with
        {
            Service = new ServiceSpec { Service = service, BaseImage = Environments.DotnetReadyBaseImage, Memory = "512Mi" },
        };
        try
        {
            var refused = await Assert.ThrowsAsync<KtException>(() => new ServiceDeployer(backend).DeployAsync(request));

            Assert.Equal(StepPrerequisites.PipUnavailable, refused.Code);
            Assert.Contains("setup step 2 'pip install six==1.16.0' was refused before any step ran", refused.Message, StringComparison.Ordinal);
            var pods = await backend.FindAsync(service);
            Assert.NotNull(pods);
            Assert.Contains($"Pod {pods.Pods[0].Name} refused the setup", refused.Message, StringComparison.Ordinal);
            using var client = new PodClient(pods.Pods[0].Address, pods.Pods[0].Token);
            Assert.Empty(await client.GetJournalAsync()); // apt never ran
        }
        finally
        {
            Assert.True(await backend.TeardownAsync(service));
        }
    }
}
