using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.TestSupport;

namespace Kt.Cli.Tests;

/// <summary>
/// The service verbs on the Kubernetes backend: kt's own client (the default kubeconfig, as a user's) against the
/// protocol-level fake API server, whose pods are real runtimes behind its port-forward.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class KubernetesVerbTests(CliFixture fixture)
{
    private const string RuntimeImage = "registry.local/kt/runtime@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Status_describe_logs_and_forward_reach_a_cluster_service_through_the_api_server()
    {
        using var temp = new TempFolder("kt-cli-k8s");
        await using var cluster = await Kt.DevLoop.Tests.FakeKubernetesCluster.StartAsync(temp.Combine("cluster"));
        var service = ServiceVerbTests.Unique("k8s");
        using var backend = new KubernetesBackend(cluster.Api, "dev", RuntimeImage);
        var request = ServiceVerbTests.Request(service, Image.From("debian:bookworm").Run("echo ready > ready.txt"), temp) with
        {
            Service = new ServiceSpec { Service = service, Replicas = 2 },
        };
        var report = await new ServiceDeployer(backend).DeployAsync(request);
        Assert.Equal("hello", await ServiceVerbTests.CallAsync(report.Pods.Pods[1], "hello"));
        Environment.SetEnvironmentVariable("KUBECONFIG", cluster.Kubeconfig);
        try
        {
            var status = await KtRun.RunAsync("status", "--backend", "kubernetes", "--namespace", "dev");
            Assert.True(status.Exit == 0, status.Error);
            Assert.StartsWith("kubernetes (namespace dev)", status.Output, StringComparison.Ordinal);
            Assert.Equal(["2/2", report.Version, "1"], ServiceVerbTests.Row(status.Output, service)[1..4]);
            foreach (var pod in report.Pods.Pods)
            {
                Assert.Equal(["Running, ready", report.Version, "1"], ServiceVerbTests.Row(status.Output, pod.Name)[1..4]);
            }

            var describe = await KtRun.RunAsync("describe", service, "-n", "dev");
            Assert.True(describe.Exit == 0, describe.Error);
            Assert.Contains($"image    {RuntimeImage}", describe.Output, StringComparison.Ordinal);
            Assert.Contains("backend  kubernetes (namespace dev)", describe.Output, StringComparison.Ordinal);
            Assert.Matches(@"1\.\s+run\s+.*echo ready > ready\.txt", describe.Output);

            var logs = await KtRun.RunAsync("logs", service, "-n", "dev", "--pod", report.Pods.Pods[1].Name);
            Assert.True(logs.Exit == 0, logs.Error);
            Assert.Equal($"[{report.Pods.Pods[1].Name}] saying hello", logs.Output.Trim());

            using var stop = new CancellationTokenSource();
            var forward = KtRun.Start(stop.Token, "forward", service, "-n", "dev", "--backend", "kubernetes");
            var line = await forward.LineAsync(l => l.StartsWith("kt: forwarding ", StringComparison.Ordinal));
            var local = new Uri(line.Split(' ')[2]);
            Assert.Equal("via the cluster", await ServiceVerbTests.CallAsync(report.Pods.Pods[0] with { Address = local }, "via the cluster"));
            Assert.DoesNotContain(report.Pods.Pods[0].Token, forward.Output, StringComparison.Ordinal); // only with --token
            await stop.CancelAsync();
            Assert.Equal(130, await forward.Exit);

            // Without --namespace the service is not in the namespace looked in.
            var elsewhere = await KtRun.RunAsync("describe", service, "--backend", "kubernetes");
            Assert.Equal(1, elsewhere.Exit);
            Assert.Contains("KT8008", elsewhere.Error, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", Path.Combine(fixture.Home, "no-kubeconfig"));
            await backend.TeardownAsync(service);
        }
    }
}
