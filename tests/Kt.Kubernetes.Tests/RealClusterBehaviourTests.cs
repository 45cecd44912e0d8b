using Kt.Core;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Deploy;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;
using Kt.Kubernetes.Tests.Cluster;

namespace Kt.Kubernetes.Tests;

/// <summary>
/// What a real v1.32 cluster did that the fake did not show at first (issue 24), now played by the fake: a kubelet
/// event that clears by itself, a service switching its workload kind. The real client against the protocol fake.
/// </summary>
public sealed class RealClusterBehaviourTests
{
    private const string Ns = "team-a";
    private const string ConfigMapCacheTimeout =
        "MountVolume.SetUp failed for volume \"kube-api-access-7xk2p\" : failed to sync configmap cache: timed out waiting for the condition";

    [Fact]
    public async Task A_FailedMount_that_clears_a_moment_later_is_progress_not_a_failed_deploy()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        // The fake's kubelet clears the mount only once the client has listed the pod's events: the deployer must
        // have seen the FailedMount to get past it.
        cluster.Server.TransientMountFailure = ConfigMapCacheTimeout;

        var result = await new Deployer(cluster.Api).DeployAsync(Samples.Cpu(), Samples.Context(), TimeSpan.FromMinutes(2));

        var pod = Assert.Single(result.ReadyPods);
        Assert.Contains(cluster.Server.List("v1", "events", Ns), e => (string?)e["involvedObject"]?["name"] == pod && (string?)e["reason"] == "FailedMount");
    }

    [Fact]
    public async Task A_FailedMount_that_persists_fails_as_KT5108_after_the_grace_or_at_the_deadline_not_as_a_timeout()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        cluster.Server.TransientMountFailure = ConfigMapCacheTimeout;
        cluster.Server.TransientMountClears = false;

        var persisted = await Assert.ThrowsAsync<DeploymentFailedException>(() =>
            new Deployer(cluster.Api) { TransientGrace = TimeSpan.FromMilliseconds(300) }.DeployAsync(Samples.Cpu("graced"), Samples.Context(), TimeSpan.FromMinutes(2)));
        Assert.Equal(("KT5108", "FailedMount"), (persisted.Code, persisted.Reason));
        Assert.Contains("failed to sync configmap cache", persisted.Message, StringComparison.Ordinal);
        Assert.Contains("persisted for", persisted.Message, StringComparison.Ordinal);

        var deadline = await Assert.ThrowsAsync<DeploymentFailedException>(() =>
            new Deployer(cluster.Api).DeployAsync(Samples.Cpu("deadline"), Samples.Context(), TimeSpan.FromSeconds(1)));
        Assert.Equal(("KT5108", "FailedMount"), (deadline.Code, deadline.Reason));
    }

    [Fact]
    public async Task Switching_replicas_to_spmd_and_back_deletes_what_is_no_longer_rendered_and_only_current_pods_count()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        var deployer = new Deployer(cluster.Api);
        var replicas = await deployer.DeployAsync(Samples.Cpu() with { Replicas = 2 }, Samples.Context(), TimeSpan.FromSeconds(30));

        var spmd = await deployer.DeployAsync(Samples.Cpu() with { Distribute = new Distribute(DistributeKind.Spmd, 2) }, Samples.Context(), TimeSpan.FromSeconds(30));

        Assert.Equal(["hello-0", "hello-1"], spmd.ReadyPods.Order(StringComparer.Ordinal));
        Assert.Equal([new ResourceRef("apps/v1", "Deployment", Ns, "hello")], spmd.Removed);
        Assert.Null(cluster.Server.Get("apps/v1", "deployments", Ns, "hello"));
        await UntilAsync(cluster, pods => !pods.Any(p => replicas.ReadyPods.Contains(p.Name) && !p.Terminating));

        var back = await deployer.DeployAsync(Samples.Cpu() with { Replicas = 2 }, Samples.Context(), TimeSpan.FromSeconds(30));

        Assert.Equal(2, back.ReadyPods.Count);
        Assert.DoesNotContain(back.ReadyPods, spmd.ReadyPods.Contains);
        Assert.Equal(["Service hello-ranks", "StatefulSet hello"], back.Removed.Select(r => $"{r.Kind} {r.Name}").Order(StringComparer.Ordinal));
        Assert.NotNull(cluster.Server.Get("v1", "secrets", Ns, "hello-kt-token"));
    }

    [Fact]
    public async Task A_refused_knative_teardown_names_services_serving_knative_dev_not_the_core_services()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        cluster.Server.Install(Kt.FakeKubeApi.ServedKind.KnativeService);
        cluster.Server.Deny("list", "services");

        var error = await Assert.ThrowsAsync<Kt.Core.KtException>(() => new Deployer(cluster.Api).TeardownAsync("hello", Ns));

        Assert.Equal("KT5204", error.Code);
        Assert.Contains("may not list services.serving.knative.dev in namespace 'team-a' (RBAC; ask for the 'list' verb on 'services.serving.knative.dev')", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Observes the service's pods until <paramref name="done"/> holds (the fake's garbage collector runs on its own tick).</summary>
    private static async Task UntilAsync(FakeCluster cluster, Func<IReadOnlyList<PodStatusSnapshot>, bool> done)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var pods in cluster.Api.WatchPodsAsync(Ns, KtLabels.SelectorFor("hello"), limit.Token))
        {
            if (done(pods))
            {
                return;
            }
        }
    }
}
