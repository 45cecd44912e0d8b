using System.Text.Json;
using Kt.TestSupport;

namespace Kt.MSBuild.Tests;

/// <summary>
/// The SDK's container properties mean in the frozen image what they mean to the SDK, and one base reference serves
/// docker dev and freeze: a base only in the local engine is frozen from there; one nowhere is KT6009 naming both.
/// </summary>
public sealed partial class PublishEndToEndTests
{
    [RegistryFact]
    public void A_base_only_in_the_engine_is_frozen_from_there_with_the_sdk_properties_in_the_config()
    {
        // Tagged for the local registry but never pushed: the registry answers "unknown", the engine has it.
        var reference = $"{Environments.RegistryHost}/kt-msbuild-engine-only-{Guid.NewGuid():N}:bookworm";
        ProcessRunner.Run("docker", ["tag", Environments.TestBaseImage, reference]).EnsureSuccess("docker tag");
        try
        {
            var project = fixture.CreateConsoleProject("Props",
                $"<KtBaseImage>{reference}</KtBaseImage><ContainerWorkingDirectory>/srv/app</ContainerWorkingDirectory><Description>the props probe</Description>",
                """
                <KtSetup Include="env" Name="KT_PROPS" Value="1" />
                <ContainerPort Include="8080" Type="tcp" />
                <ContainerPort Include="9090" Type="udp" />
                <ContainerLabel Include="team" Value="kt" />
                """);
            var freeze = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtFreeze=true", "-p:KtFreezeWithRuntime=false",
                "-p:ContainerRepository=kt-msbuild-test/props", $"-p:KtCacheDirectory={fixture.CacheDirectory}").EnsureSuccess("freeze from the engine");
            Assert.Contains("taken from the local Docker engine", freeze.Output, StringComparison.Ordinal);

            var layout = Path.Combine(project, "obj", "Release", "net10.0", "kt-image");
            var inspected = ProcessRunner.Run("skopeo", ["inspect", "--config", $"oci:{layout}"]).EnsureSuccess("skopeo inspect --config");
            using var config = JsonDocument.Parse(inspected.Output);
            var image = config.RootElement.GetProperty("config");
            Assert.Equal("/srv/app", image.GetProperty("WorkingDir").GetString());
            Assert.Equal(["8080/tcp", "9090/udp"], image.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
            var labels = image.GetProperty("Labels");
            Assert.Equal("kt", labels.GetProperty("team").GetString());
            Assert.Equal("the props probe", labels.GetProperty("org.opencontainers.image.description").GetString());
            Assert.Equal(reference, labels.GetProperty("org.opencontainers.image.base.name").GetString());
        }
        finally
        {
            ProcessRunner.Run("docker", ["rmi", reference]);
        }
    }

    [RegistryFact]
    public void A_base_in_neither_the_registry_nor_the_engine_is_KT6009_naming_both()
    {
        var reference = $"{Environments.RegistryHost}/kt-msbuild-nowhere-{Guid.NewGuid():N}:none";
        var project = fixture.CreateConsoleProject("Nowhere", $"<KtBaseImage>{reference}</KtBaseImage>", "");
        var freeze = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtFreeze=true", "-p:KtFreezeWithRuntime=false",
            "-p:ContainerRepository=kt-msbuild-test/nowhere", $"-p:KtCacheDirectory={fixture.CacheDirectory}");
        Assert.NotEqual(0, freeze.ExitCode);
        Assert.Contains("KT6009", freeze.Output, StringComparison.Ordinal);
        Assert.Contains("not in its registry", freeze.Output, StringComparison.Ordinal);
        Assert.Contains("Docker engine", freeze.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("MSB4018", freeze.Output, StringComparison.Ordinal);
    }
}
