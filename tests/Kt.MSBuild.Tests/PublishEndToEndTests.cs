using System.Text.Json;
using System.Text.RegularExpressions;
using Kt.Core;
using Kt.TestSupport;

namespace Kt.MSBuild.Tests;

/// <summary>The package as a user gets it: <c>dotnet publish -p:KtFreeze=true</c> on a fresh console project.</summary>
public sealed partial class PublishEndToEndTests(PackedTaskFixture fixture) : IClassFixture<PackedTaskFixture>
{
    private const string Repository = "kt-msbuild-test/app";

    [RegistryFact]
    public void Publish_with_KtFreeze_pushes_the_image_and_an_unchanged_rebuild_is_cached_with_the_same_digest()
    {
        var project = fixture.CreateConsoleProject("FrozenApp",
            $"<KtBaseImage>{Environments.RegistryBaseImage}</KtBaseImage>",
            """
            <KtSetup Include="env" Name="KT_E2E_HOME" Value="/opt/kt" />
            <KtSetup Include="env" Name="KT_E2E_GREETING" Value="hello-$KT_E2E_HOME" />
            <KtSetup Include="copy" Source="config/app.json" Destination="/etc/kt-app/" />
            """);
        Directory.CreateDirectory(Path.Combine(project, "config"));
        File.WriteAllText(Path.Combine(project, "config", "app.json"), "{\"answer\":42}");
        // A unique tag per run: the digest check below must see this run's push, not an earlier one.
        var runTag = "run-" + Guid.NewGuid().ToString("N")[..12];
        string[] publish =
        [
            // A plain app image (the app's own entry point); FrozenServiceTests covers the service image with the runtime.
            "publish", "-c", "Release", "-p:KtFreeze=true", "-p:KtFreezeWithRuntime=false", $"-p:ContainerRegistry={Environments.RegistryHost}",
            $"-p:ContainerRepository={Repository}", $"-p:ContainerImageTags=\"{runTag};latest\"", $"-p:KtCacheDirectory={fixture.CacheDirectory}",
        ];

        var first = fixture.Dotnet(project, publish).EnsureSuccess("first publish");

        var publishFolder = Path.Combine(project, "bin", "Release", "net10.0", "publish");
        using (var definition = JsonDocument.Parse(File.ReadAllText(Path.Combine(publishFolder, ProjectDefinition.FileName))))
        {
            Assert.Equal("frozenapp", definition.RootElement.GetProperty("service").GetString());
            Assert.Equal(3, definition.RootElement.GetProperty("steps").GetArrayLength());
        }

        Assert.True(File.Exists(Path.Combine(project, "obj", "Release", "net10.0", "kt-image", "index.json")), "the OCI layout is written");
        var firstDigest = PushedDigest(first.Output);
        var config = ProcessRunner.Run("skopeo", ["inspect", "--config", "--tls-verify=false", $"docker://{Environments.RegistryHost}/{Repository}:{runTag}"])
            .EnsureSuccess("skopeo inspect --config");
        Assert.Contains("KT_E2E_GREETING=hello-/opt/kt", config.Output, StringComparison.Ordinal);
        var manifest = ProcessRunner.Run("skopeo", ["inspect", "--tls-verify=false", $"docker://{Environments.RegistryHost}/{Repository}:latest"])
            .EnsureSuccess("skopeo inspect");
        using (var inspected = JsonDocument.Parse(manifest.Output))
        {
            Assert.Equal(firstDigest, inspected.RootElement.GetProperty("Digest").GetString());
        }

        // The archive output does not change the image: same digest, steps cached, and a file named as the SDK names it.
        var second = fixture.Dotnet(project, [.. publish, $"-p:ContainerArchiveOutputPath={Path.Combine(project, "images")}"]).EnsureSuccess("second publish");

        Assert.Equal(firstDigest, PushedDigest(second.Output));
        var archive = Path.Combine(project, "images", "kt-msbuild-test", "app.tar.gz");
        var archived = ProcessRunner.Run("skopeo", ["inspect", "--config", $"docker-archive:{archive}"]).EnsureSuccess("skopeo inspect docker-archive");
        Assert.Contains("KT_E2E_GREETING=hello-/opt/kt", archived.Output, StringComparison.Ordinal);
        Assert.Matches(CachedStepLine(), second.Output);
        Assert.DoesNotMatch(BuiltStepLine(), second.Output);
    }

    [Fact]
    public void An_unknown_setup_kind_fails_the_build_with_KT6001()
    {
        var project = fixture.CreateConsoleProject("BadKind",
            $"<KtBaseImage>{Environments.RegistryBaseImage}</KtBaseImage>",
            """<KtSetup Include="brew" Packages="jq" />""");

        var build = fixture.Dotnet(project, "build", "-c", "Release");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("error KT6001", build.Output, StringComparison.Ordinal);
        Assert.Contains("unknown step kind 'brew'", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void KtDeploy_on_a_plain_build_says_that_deploys_happen_on_publish_and_deploys_nothing()
    {
        var project = fixture.CreateConsoleProject("BuildOnlyApp", $"<KtService>{$"build-only-{Guid.NewGuid():N}"[..20]}</KtService>", "");
        var build = fixture.Dotnet(project, "build", "-c", "Release", "-p:KtDeploy=true").EnsureSuccess("build with KtDeploy");
        Assert.Contains("kt: KtDeploy=true deploys after Publish, not Build", build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("→ process", build.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KtDeploy_puts_the_publish_output_on_a_process_pod_and_a_code_edit_reaches_it_without_rerunning_setup()
    {
        var project = fixture.CreateConsoleProject("DeployApp", "<KtService>deploy-app</KtService>",
            """<KtSetup Include="env" Name="KT_E2E_GREETING" Value="hello" />""");
        var functions = Path.Combine(project, "Functions.cs");
        File.WriteAllText(functions, FunctionsSource("first"));
        try
        {
            var first = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true").EnsureSuccess("first deploy");
            Assert.Contains("kt: deploy-app → process: 1 pod, 1 started", first.Output, StringComparison.Ordinal);
            Assert.Matches(SetupLine(1), first.Output);
            Assert.Contains("fn/DeployApp.Functions/Greet", first.Output, StringComparison.Ordinal); // the ready-to-paste call
            Assert.Equal("hello first", await CallGreetAsync(first.Output));

            File.WriteAllText(functions, FunctionsSource("second"));
            var second = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true").EnsureSuccess("second deploy");
            Assert.Contains("kt: deploy-app → process: 1 pod\n", second.Output.Replace("\r", "", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Matches(SetupLine(0), second.Output);
            Assert.Equal("hello second", await CallGreetAsync(second.Output));

            var unchanged = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true").EnsureSuccess("unchanged deploy");
            Assert.Matches(SetupLine(0), unchanged.Output);
            Assert.Contains("sync 0/", unchanged.Output, StringComparison.Ordinal);
        }
        finally
        {
            var teardown = fixture.Dotnet(project, "build", "-c", "Release", "-t:KtTeardown").EnsureSuccess("teardown");
            Assert.Contains("kt: deploy-app: removed from process", teardown.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void KtDeploy_refuses_a_step_that_would_change_this_machine_with_KT7010()
    {
        var project = fixture.CreateConsoleProject("HostStepApp", "<KtService>host-step-app</KtService>", """<KtSetup Include="apt" Packages="cowsay" />""");
        try
        {
            var publish = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true");

            Assert.NotEqual(0, publish.ExitCode);
            Assert.Contains("error KT7010", publish.Output, StringComparison.Ordinal);
            Assert.Contains("KtAllowHostSetup=true", publish.Output, StringComparison.Ordinal);
        }
        finally
        {
            fixture.Dotnet(project, "build", "-c", "Release", "-t:KtTeardown");
        }
    }

    private static string FunctionsSource(string word) => $$"""
        namespace DeployApp;

        public static class Functions
        {
            public static string Greet() => Environment.GetEnvironmentVariable("KT_E2E_GREETING") + " {{word}}";
        }
        """;

    /// <summary>Calls Functions.Greet at the endpoint the deploy printed, with the token from the file it named.</summary>
    private static async Task<string?> CallGreetAsync(string output)
    {
        var match = CallLine().Match(output);
        Assert.True(match.Success, "no 'kt: call:' line in:\n" + output);
        var token = File.ReadAllText(match.Groups["token"].Value).Trim();
        using var client = new Kt.PodRuntime.Client.PodClient(new Uri(match.Groups["endpoint"].Value), token);
        return await client.CallAsync<string>("DeployApp.Functions", "Greet");
    }

    private static Regex SetupLine(int steps) => new($@"kt: compile \d+ ms · pods \d+ ms · setup {steps} steps? ");

    [GeneratedRegex(@"kt: call: curl -s -H ""Authorization: Bearer \$\(cat (?<token>[^)]+)\)"" -d '[^']*' (?<endpoint>http://127\.0\.0\.1:\d+/)")]
    private static partial Regex CallLine();

    private static string PushedDigest(string output)
    {
        var match = PushedImageLine().Match(output);
        Assert.True(match.Success, "no 'kt: image …@sha256:…' line in:\n" + output);
        return match.Groups["digest"].Value;
    }

    [GeneratedRegex(@"kt: image 127\.0\.0\.1:5000/kt-msbuild-test/app@(?<digest>sha256:[0-9a-f]{64})")]
    private static partial Regex PushedImageLine();

    [GeneratedRegex(@"kt: [0-9a-f]{6,} cached ")]
    private static partial Regex CachedStepLine();

    [GeneratedRegex(@"kt: [0-9a-f]{6,} (built|ran) ")]
    private static partial Regex BuiltStepLine();
}
