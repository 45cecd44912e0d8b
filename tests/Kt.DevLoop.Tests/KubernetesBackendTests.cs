using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// The live dev loop on Kubernetes, everything above the API seam for real: dev-mode manifests server-side applied,
/// the token Secret, port-forwards, differential setup and code sync into running pods, a pod replaced by its
/// ReplicaSet. The backend runs on the real client (KubernetesClientApi from a kubeconfig) against the protocol-level
/// fake API server (<see cref="FakeKubernetesCluster"/>), whose pods are real runtime processes behind its port-forward.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class KubernetesBackendTests(DevLoopFixture fixture)
{
    internal const string RuntimeImage = "registry.local/kt/runtime@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Code_edits_reach_running_pods_without_restarting_them_and_a_new_pod_gets_setup_and_code()
    {
        using var temp = new TempFolder();
        await using var cluster = await FakeKubernetesCluster.StartAsync(temp.Combine("cluster"));
        var code = fixture.CreateCodeFolder(temp, "first");
        var service = ProcessBackendTests.Unique("k8s");
        using var backend = new KubernetesBackend(cluster.Api, "dev", RuntimeImage);
        var deployer = new ServiceDeployer(backend);
        var image = Image.From("debian:bookworm").Env("GREETING", "cluster").Run("echo set up >> setup.txt");
        var request = ProcessBackendTests.Request(service, image, temp.Path, code) with { Service = new ServiceSpec { Service = service, Replicas = 2 } };

        var first = await deployer.DeployAsync(request);
        Assert.Equal((2, 2, 2), (first.Pods.Pods.Count, first.Pods.Created, first.StepsRun));
        Assert.Equal("first|cluster", await ProcessBackendTests.CallAsync(first.Pods, "Describe"));
        Assert.All(first.Pods.Pods, p => Assert.Equal("127.0.0.1", p.Address.Host)); // through the port-forward

        File.WriteAllText(Path.Combine(code, "message.txt"), "second");
        var second = await deployer.DeployAsync(request);
        Assert.Equal((0, 0, 2), (second.Pods.Created, second.StepsRun, second.UploadedBlobs)); // the one changed file, to each pod
        Assert.Equal(2, cluster.Server.PodsCreated.Count); // the same two pods: code changes never touch the pod template
        Assert.Equal("second|cluster", await ProcessBackendTests.CallAsync(second.Pods, "Describe"));

        // A pod that goes away is replaced by the cluster, and the newcomer catches up from a running peer by itself:
        // another client finds both pods (by the Secret and the pod list) serving the current code, before any deploy.
        Assert.True(await cluster.Api.DeleteAsync(new Kt.Kubernetes.ResourceRef("v1", "Pod", "dev", first.Pods.Pods[0].Name)));
        using (var finder = new KubernetesBackend(cluster.Api, "dev"))
        {
            ServicePods? found = null;
            for (var wait = 0; wait < 300 && (found?.Pods.Count != 2 || found.Pods.Any(p => p.Name == first.Pods.Pods[0].Name)); wait++)
            {
                await Task.Delay(100); // the polling period of a client waiting for the cluster to replace the pod
                found = await finder.FindAsync(service);
            }

            Assert.Equal(3, cluster.Server.PodsCreated.Count);
            Assert.Equal(2, found!.Pods.Count);
            foreach (var pod in found.Pods)
            {
                using var client = new Kt.PodRuntime.Client.PodClient(pod.Address, pod.Token);
                Assert.Equal("second|cluster", await client.CallAsync<string>(typeof(SampleFunctions).FullName!, "Describe"));
            }
        }

        var healed = await deployer.DeployAsync(request);
        Assert.Equal((0, 0), (healed.StepsRun, healed.UploadedBlobs)); // nothing left to do: the newcomer caught up alone

        Assert.True(await backend.TeardownAsync(service));
        Assert.Empty(await cluster.Api.ListAsync("v1", "Secret", "dev", $"kt.dev/service={service}"));
        Assert.Empty(cluster.Server.List("v1", "services", "dev"));
        Assert.Empty(cluster.Server.List("apps/v1", "deployments", "dev"));
        Assert.Null(await new KubernetesBackend(cluster.Api, "dev").FindAsync(service));
    }

    [Fact]
    public async Task Recreating_rolls_every_pod_into_a_new_setup_epoch_once_and_later_deploys_keep_it()
    {
        using var temp = new TempFolder();
        await using var cluster = await FakeKubernetesCluster.StartAsync(temp.Combine("cluster"));
        var code = fixture.CreateCodeFolder(temp, "epoch");
        var service = ProcessBackendTests.Unique("k8s-epoch");
        using var backend = new KubernetesBackend(cluster.Api, "dev", RuntimeImage);
        var deployer = new ServiceDeployer(backend);
        var spec = new ServiceSpec { Service = service, Replicas = 2 };
        var request = ProcessBackendTests.Request(service, Image.From("debian:bookworm").Env("GREETING", "epoch"), temp.Path, code) with { Service = spec };
        await deployer.DeployAsync(request);

        var replaced = await Task.WhenAll(backend.RecreateAsync(spec, 0), backend.RecreateAsync(spec, 1)); // one rollout for both ranks

        Assert.Equal(4, cluster.Server.PodsCreated.Count);
        Assert.Equal(2, replaced.Select(p => p.Name).Distinct().Count());
        foreach (var pod in replaced)
        {
            using var client = new Kt.PodRuntime.Client.PodClient(pod.Address, pod.Token);
            Assert.Empty(await client.GetJournalAsync()); // fresh: nothing copied from the old epoch
        }

        var container = (await cluster.Api.GetAsync(new Kt.Kubernetes.ResourceRef("apps/v1", "Deployment", "dev", service)))!["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Contains(container["env"]!.AsArray(), e => (string?)e!["name"] == "KT_SETUP_EPOCH" && (string?)e["value"] == "2");

        var next = await deployer.DeployAsync(request);
        Assert.Equal(4, cluster.Server.PodsCreated.Count); // the epoch is kept: no further restarts
        Assert.Equal(1, next.StepsRun);
        Assert.Equal("epoch|epoch", await ProcessBackendTests.CallAsync(next.Pods, "Describe"));
        Assert.True(await backend.TeardownAsync(service));
    }

    [Fact]
    public async Task Without_a_runtime_image_a_client_needs_a_deployment_to_take_it_from()
    {
        using var temp = new TempFolder();
        await using var cluster = await FakeKubernetesCluster.StartAsync(temp.Combine("cluster"));
        using var backend = new KubernetesBackend(cluster.Api, "dev");

        var error = await Assert.ThrowsAsync<KtException>(() => backend.EnsureAsync(new ServiceSpec { Service = "never-deployed" }));

        Assert.Equal(DevLoopErrors.RuntimeImageMissing, error.Code);
        Assert.Contains("dotnet publish -p:KtDeploy=true", error.Message, StringComparison.Ordinal);
        Assert.Empty(cluster.Server.PodsCreated);
    }
}
