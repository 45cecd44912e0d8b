using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Kt.FakeKubeApi;
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

        // The SBOM lists what Kt's own layers install, each on a layer of this image: the .NET the runtime runs on and the runtime.
        var output = Path.Combine(project, "obj", "Release", "net10.0");
        var layers = ImageLayers(Path.Combine(output, "kt-image"));
        var sbom = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(output, "kt-image.cdx.json")))!["components"]!.AsArray();
        foreach (var name in (string[])["Microsoft.NETCore.App", "Microsoft.AspNetCore.App", "kt-pod-runtime"])
        {
            var component = sbom.SingleOrDefault(c => c!["name"]!.GetValue<string>() == name);
            Assert.True(component is not null, $"the SBOM does not list {name}");
            var layer = component["properties"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == "dev.kt.layer")!["value"]!.GetValue<string>();
            Assert.Contains(layer, layers);
        }

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

    // The layer digests of the one image in an OCI layout.
    private static List<string> ImageLayers(string layout)
    {
        static System.Text.Json.Nodes.JsonNode Blob(string layout, string digest) =>
            System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "blobs", "sha256", digest["sha256:".Length..])))!;
        var index = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(layout, "index.json")))!;
        var manifest = Blob(layout, index["manifests"]![0]!["digest"]!.GetValue<string>());
        return manifest["layers"]!.AsArray().Select(l => l!["digest"]!.GetValue<string>()).ToList();
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

/// <summary>
/// KtCompute=kubernetes from MSBuild as a user runs it: no cluster configured stops before anything is pushed (KT5210);
/// with a kubeconfig pointing at the protocol-level fake API server (real runtimes as pods, the real client), the live
/// loop pushes its runtime image, deploys, syncs and prints what still works after the build.
/// </summary>
public sealed partial class PublishEndToEndTests
{
    [RegistryFact]
    public async Task Kubernetes_deploys_stop_with_KT5210_before_pushing_without_a_cluster_and_deploy_for_real_with_one()
    {
        var repository = $"kt-msbuild-test/cluster-app-{Guid.NewGuid():N}"[..48];
        var project = fixture.CreateConsoleProject("ClusterApp",
            $"<KtBaseImage>{Environments.RegistryDotnetReadyBaseImage}</KtBaseImage><KtService>cluster-app</KtService><KtCompute>kubernetes</KtCompute>",
            """<KtSetup Include="env" Name="KT_E2E_GREETING" Value="live" />""");
        string[] Live(params string[] more) => ["publish", "-c", "Release", "-p:KtDeploy=true", $"-p:ContainerRegistry={Environments.RegistryHost}",
            $"-p:ContainerRepository={repository}", $"-p:KtCacheDirectory={fixture.CacheDirectory}", .. more];

        var unregistered = fixture.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true");
        Assert.NotEqual(0, unregistered.ExitCode);
        Assert.Contains("error KT6006", unregistered.Output, StringComparison.Ordinal);

        Environment.SetEnvironmentVariable("KUBECONFIG", Path.Combine(project, "no-such-kubeconfig"));
        try
        {
            var nowhere = fixture.Dotnet(project, Live());
            Assert.NotEqual(0, nowhere.ExitCode);
            Assert.Contains("error KT5210", nowhere.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("MSB4018", nowhere.Output, StringComparison.Ordinal);
            Assert.NotEqual(0, ProcessRunner.Run("skopeo", ["inspect", "--tls-verify=false", $"docker://{Environments.RegistryHost}/{repository}:kt-runtime"]).ExitCode); // nothing pushed

            await using (var cluster = await FakeApiServer.StartAsync(new Kt.DevLoop.Tests.RuntimePodHost(fixture.Combine("cluster-pods"))))
            {
                Environment.SetEnvironmentVariable("KUBECONFIG", cluster.WriteKubeconfig(fixture.Combine($"kubeconfig-{Guid.NewGuid():N}")));

                // Live loop: the runtime image (base + Kt's runtime, no setup steps: those run live) is pushed, then deployed.
                var live = fixture.Dotnet(project, Live());
                Assert.True(live.ExitCode == 0, live.Output);
                var config = ProcessRunner.Run("skopeo", ["inspect", "--config", "--tls-verify=false", $"docker://{Environments.RegistryHost}/{repository}:kt-runtime"])
                    .EnsureSuccess("skopeo inspect the runtime image");
                Assert.Contains("/kt/runtime/Kt.PodRuntime.dll", config.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("KT_E2E_GREETING", config.Output, StringComparison.Ordinal);
                Assert.Contains("reach it: kubectl -n default port-forward svc/cluster-app 32300:32300", live.Output, StringComparison.Ordinal);
                Assert.Single(cluster.List("apps/v1", "deployments", "default"));

                // The next live deploy reuses the pushed runtime image and the running pods.
                var again = fixture.Dotnet(project, Live());
                Assert.True(again.ExitCode == 0, again.Output);
                Assert.Contains("(unchanged)", again.Output, StringComparison.Ordinal);
                Assert.DoesNotContain("runtime image for cluster-app from", again.Output, StringComparison.Ordinal);
                Assert.Single(cluster.PodsCreated);

                var teardown = fixture.Dotnet(project, "build", "-c", "Release", "-t:KtTeardown");
                Assert.True(teardown.ExitCode == 0, teardown.Output);
                Assert.Empty(cluster.List("apps/v1", "deployments", "default"));
                Assert.Empty(cluster.List("v1", "secrets", "default"));
            }

            Environment.SetEnvironmentVariable("KUBECONFIG", Path.Combine(project, "no-such-kubeconfig"));
            // Frozen: manifests are written before the deploy, which stops at the missing cluster.
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
