using Kt.Kubernetes.Deploy;
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
}
