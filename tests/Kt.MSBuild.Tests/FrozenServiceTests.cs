using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Kt.TestSupport;

namespace Kt.MSBuild.Tests;

/// <summary>
/// <c>-p:KtFreeze=true</c> for a Kt service: the image carries the pod runtime and its .NET, runs in a container with
/// nothing mounted, serves the project's functions frozen, and the written manifests pin the pushed digest.
/// </summary>
public sealed partial class PublishEndToEndTests
{
    private const string ServiceToken = "frozen-token-0123456789";

    [RegistryFact]
    public async Task A_frozen_service_image_serves_its_functions_in_a_container_and_its_manifests_pin_the_digest()
    {
        var project = fixture.CreateConsoleProject("FrozenService",
            $"<KtBaseImage>{Environments.RegistryDotnetReadyBaseImage}</KtBaseImage><KtService>frozen-service</KtService><KtGpus>1</KtGpus>",
            """<KtSetup Include="env" Name="KT_E2E_GREETING" Value="frozen" />""");
        File.WriteAllText(Path.Combine(project, "Functions.cs"), FunctionsSource("build"));
        var runTag = "run-" + Guid.NewGuid().ToString("N")[..12];
        var publish = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtFreeze=true", $"-p:ContainerRegistry={Environments.RegistryHost}",
            "-p:ContainerRepository=kt-msbuild-test/service", $"-p:ContainerImageTags={runTag}", $"-p:KtCacheDirectory={fixture.CacheDirectory}")
            .EnsureSuccess("freeze");
        var match = ServiceImageLine().Match(publish.Output);
        Assert.True(match.Success, "no pushed image line in:\n" + publish.Output);
        var pinned = match.Groups["pinned"].Value;

        // ko-style output: the manifests name the image by the digest just pushed and start the runtime frozen.
        var manifests = File.ReadAllText(Path.Combine(project, "bin", "Release", "net10.0", "kt-manifests", "frozen-service.yaml"));
        Assert.Contains($"image: {pinned}", manifests, StringComparison.Ordinal);
        Assert.Contains("--frozen-app", manifests, StringComparison.Ordinal);
        Assert.Contains("nvidia.com/gpu", manifests, StringComparison.Ordinal);

        // The image runs as a pod would, with nothing mounted: the runtime and its .NET are baked in.
        var container = "kt-frozen-" + runTag;
        ProcessRunner.Run("docker", ["run", "-d", "--name", container, "-p", "127.0.0.1::32300", "-e", "KT_TOKEN=" + ServiceToken, pinned])
            .EnsureSuccess("docker run");
        try
        {
            var port = ProcessRunner.Run("docker", ["port", container, "32300/tcp"]).EnsureSuccess("docker port").Output.Trim().Split('\n')[0].Split(':')[^1];
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(10) };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!await IsReadyAsync(http))
            {
                Assert.True(DateTime.UtcNow < deadline, "the frozen pod did not become ready: " + ProcessRunner.Run("docker", ["logs", container]).Output);
                await Task.Delay(200);
            }

            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServiceToken);
            using var call = await http.PostAsync("fn/DeployApp.Functions/Greet", Json("{}"));
            var answer = await call.Content.ReadAsStringAsync();
            Assert.True(call.IsSuccessStatusCode, answer);
            Assert.Equal("\"frozen build\"", answer); // the KtSetup env step is baked into the image

            using var sync = await http.PostAsync("sync/activate", Json("""{"version":"v2","manifest":{"files":[]}}"""));
            Assert.Equal(HttpStatusCode.Conflict, sync.StatusCode);
            Assert.Contains("KT4050", await sync.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            ProcessRunner.Run("docker", ["rm", "-f", container]);
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private static async Task<bool> IsReadyAsync(HttpClient http)
    {
        try
        {
            using var probe = await http.GetAsync("health/ready");
            return probe.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"kt: image (?<pinned>127\.0\.0\.1:5000/kt-msbuild-test/service@sha256:[0-9a-f]{64})")]
    private static partial Regex ServiceImageLine();
}

/// <summary>KtCompute=kubernetes from MSBuild, up to the missing cluster: the images are built and pushed for real.</summary>
public sealed partial class PublishEndToEndTests
{
    [RegistryFact]
    public void Kubernetes_deploys_push_their_images_and_stop_with_KT5210_where_no_cluster_is_configured()
    {
        var project = fixture.CreateConsoleProject("ClusterApp",
            $"<KtBaseImage>{Environments.RegistryDotnetReadyBaseImage}</KtBaseImage><KtService>cluster-app</KtService><KtCompute>kubernetes</KtCompute>",
            """<KtSetup Include="env" Name="KT_E2E_GREETING" Value="live" />""");

        var unregistered = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true");
        Assert.NotEqual(0, unregistered.ExitCode);
        Assert.Contains("error KT6006", unregistered.Output, StringComparison.Ordinal);

        Environment.SetEnvironmentVariable("KUBECONFIG", Path.Combine(project, "no-such-kubeconfig"));
        try
        {
            // Live loop: the runtime image (base + Kt's runtime, no setup steps: those run live) is pushed first.
            var live = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true", $"-p:ContainerRegistry={Environments.RegistryHost}",
                "-p:ContainerRepository=kt-msbuild-test/cluster-app", $"-p:KtCacheDirectory={fixture.CacheDirectory}");
            Assert.NotEqual(0, live.ExitCode);
            Assert.Contains("error KT5210", live.Output, StringComparison.Ordinal);
            var config = ProcessRunner.Run("skopeo", ["inspect", "--config", "--tls-verify=false", $"docker://{Environments.RegistryHost}/kt-msbuild-test/cluster-app:kt-runtime"])
                .EnsureSuccess("skopeo inspect the runtime image");
            Assert.Contains("/kt/runtime/Kt.PodRuntime.dll", config.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("KT_E2E_GREETING", config.Output, StringComparison.Ordinal);

            // The next live deploy reuses the pushed runtime image instead of compiling it again.
            var again = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true", $"-p:ContainerRegistry={Environments.RegistryHost}",
                "-p:ContainerRepository=kt-msbuild-test/cluster-app", $"-p:KtCacheDirectory={fixture.CacheDirectory}");
            Assert.Contains("error KT5210", again.Output, StringComparison.Ordinal);
            Assert.Contains("(unchanged)", again.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("runtime image for cluster-app from", again.Output, StringComparison.Ordinal);

            // Frozen: manifests are written before the deploy, which stops at the missing cluster too.
            var frozen = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true", "-p:KtFreeze=true", $"-p:KtCacheDirectory={fixture.CacheDirectory}");
            Assert.NotEqual(0, frozen.ExitCode);
            Assert.Contains("error KT5210", frozen.Output, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(project, "bin", "Release", "net10.0", "kt-manifests", "cluster-app.yaml")), "manifests are written before the deploy");
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", null);
        }
    }
}
