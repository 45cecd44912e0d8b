using System.Diagnostics;
using Kt.Core;
using Kt.DevLoop;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Deploy;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;
using Kt.PodRuntime.Protocol;

namespace Kt.Workflows;

/// <summary>
/// <c>-p:KtDeploy=true -p:KtFreeze=true</c> with <c>KtCompute=kubernetes</c>: server-side applies the frozen
/// manifests (digest-pinned, no sync, no live setup) to the cluster of the current kubeconfig and waits until the
/// pods are ready.
/// </summary>
internal static class FrozenKubernetesDeploy
{
    public static async Task RunAsync(ProjectDefinition project, string? frozenImage, IKubernetesApi cluster, Action<string> progress, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(frozenImage))
        {
            throw new InvalidOperationException("a frozen deploy needs the frozen image");
        }

        var clock = Stopwatch.StartNew();
        var compute = ProjectCompute.From(project, frozenImage);
        var result = await new Deployer(cluster)
            .DeployAsync(compute, FrozenManifests.Context(project), cancellationToken: cancellationToken).ConfigureAwait(false);
        progress($"{project.Service} → kubernetes ({compute.Namespace}): {string.Join(", ", result.Applied.Select(r => r.Kind))} applied, "
            + $"{result.ReadyPods.Count} pod(s) ready in {clock.ElapsedMilliseconds} ms, frozen {frozenImage}");
        progress(ReachLine(compute.ServiceName, compute.Namespace));
    }

    /// <summary>How to reach the service from this machine after the build (its own port-forwards end with it).</summary>
    public static string ReachLine(string service, string @namespace) =>
        $"reach it: kubectl -n {@namespace} port-forward svc/{service} {PodRuntimeLayout.Port}:{PodRuntimeLayout.Port}; "
        + $"token: {new DeploySummary.ClusterReach(service, @namespace, PodRuntimeLayout.Port).TokenCommand}";
}
