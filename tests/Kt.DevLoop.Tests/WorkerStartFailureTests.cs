using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// A worker that the .NET host stops before it connects: the KT4039 the user gets carries the host's own reason line
/// and what to do, not the stack frames that follow it (which were all a tail of the output showed).
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class WorkerStartFailureTests(DevLoopFixture fixture)
{
    [DockerFact]
    public async Task A_base_without_ICU_is_KT4039_with_the_hosts_reason_and_InvariantGlobalization()
    {
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "icu");
        // An app that wants culture data, as a new console app does (this test assembly runs invariant).
        foreach (var config in Directory.GetFiles(code, "*.runtimeconfig.json"))
        {
            File.WriteAllText(config, File.ReadAllText(config).Replace("\"System.Globalization.Invariant\": true", "\"System.Globalization.Invariant\": false", StringComparison.Ordinal));
        }

        var service = ProcessBackendTests.Unique("icu");
        using var backend = new DockerBackend();
        var deployer = new ServiceDeployer(backend);
        // The local base has what docs/dev-loop.md says any base needs (libssl, libstdc++) and no libicu.
        var image = Image.From(Environments.DotnetReadyBaseImage);
        try
        {
            var error = await Record.ExceptionAsync(async () =>
            {
                var deployed = await deployer.DeployAsync(ProcessBackendTests.Request(service, image, temp.Path, code) with
                {
                    Service = new ServiceSpec { Service = service, BaseImage = Environments.DotnetReadyBaseImage, Memory = "512Mi" },
                });
                await ProcessBackendTests.CallAsync(deployed.Pods, "Describe");
            });

            var message = error switch
            {
                RemoteException remote => $"{remote.Code}: {remote.Message}",
                KtException kt => $"{kt.Code}: {kt.Message}",
                _ => throw new Xunit.Sdk.XunitException($"expected KT4039, got {error}"),
            };
            Assert.Contains("KT4039", message, StringComparison.Ordinal);
            Assert.Contains("Couldn't find a valid ICU package", message, StringComparison.Ordinal);
            Assert.Contains("<InvariantGlobalization>true</InvariantGlobalization>", message, StringComparison.Ordinal);
            Assert.DoesNotContain("at System.", message, StringComparison.Ordinal);
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }
}
