using Kt.Core;
using Kt.DevLoop;
using Kt.Workflows;

namespace Kt.MSBuild.Tests;

/// <summary>The lines a deploy prints: on a cluster, what still works once the build (and its port-forwards) has exited.</summary>
public sealed class DeploySummaryTests
{
    [Fact]
    public void On_a_cluster_the_endpoint_and_curl_go_through_kubectl_port_forward_and_the_secret_and_sync_counts_per_pod()
    {
        var pods = new ServicePods("hello", "kubernetes",
            [new PodEndpoint(0, "hello-abc", new Uri("http://127.0.0.1:41234/"), "t"), new PodEndpoint(1, "hello-def", new Uri("http://127.0.0.1:41235/"), "t")], 0);
        var report = new DeployReport
        {
            Pods = pods,
            Version = "v7",
            Files = 28,
            UploadedBlobs = 56,
            UploadedBlobsPerPod = 28,
            Timings = new DeployTimings(1, 2, 3, 4, 5),
        };

        var lines = DeploySummary.Lines(report, new CallExample("fn/Hello.Functions/Greet", "{}"), new DeploySummary.ClusterReach("hello", "dev", 32300)).ToList();

        Assert.Contains("sync 28/28 files per pod", lines[1], StringComparison.Ordinal);
        Assert.Equal("v7 serving as Service hello:32300 in namespace 'dev'; reach it: kubectl -n dev port-forward svc/hello 32300:32300", lines[2]);
        Assert.Equal("call: curl -s -H \"Authorization: Bearer $(kubectl -n dev get secret hello-kt-token -o jsonpath='{.data.token}' | base64 -d)\" -d '{}' http://127.0.0.1:32300/fn/Hello.Functions/Greet", lines[3]);
        Assert.DoesNotContain(lines, l => l.Contains("41234", StringComparison.Ordinal)); // the build's own forward dies with it
    }
}
