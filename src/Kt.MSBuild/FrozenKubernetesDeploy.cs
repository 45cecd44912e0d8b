using System.Diagnostics;
using Kt.Core;
using Kt.DevLoop;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Deploy;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;

namespace Kt.MSBuild;

/// <summary>
/// <c>-p:KtDeploy=true -p:KtFreeze=true</c> with <c>KtCompute=kubernetes</c>: server-side applies the frozen
/// manifests (digest-pinned, no sync, no live setup) to the cluster of the current kubeconfig and waits until the
/// pods are ready. The live dev loop on Kubernetes (code sync into running pods) is not in this version.
/// </summary>
internal static class FrozenKubernetesDeploy
{
    public static async Task RunAsync(ProjectDefinition project, string? frozenImage, Action<string> progress, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(frozenImage))
        {
            throw new KtException(DevLoopErrors.NotSupported,
                "KtCompute=kubernetes deploys frozen images only in this version: add -p:KtFreeze=true (and ContainerRegistry, so the cluster can pull it). The live dev loop runs on process or docker.");
        }

        var clock = Stopwatch.StartNew();
        var compute = ProjectCompute.From(project, frozenImage);
        var result = await new Deployer(KubernetesClientApi.FromDefaultConfig())
            .DeployAsync(compute, FrozenManifests.Context(project), cancellationToken: cancellationToken).ConfigureAwait(false);
        progress($"{project.Service} → kubernetes ({compute.Namespace}): {string.Join(", ", result.Applied.Select(r => r.Kind))} applied, "
            + $"{result.ReadyPods.Count} pod(s) ready in {clock.ElapsedMilliseconds} ms, frozen {frozenImage}");
        progress($"reach it: kubectl -n {compute.Namespace} port-forward svc/{compute.ServiceName} {PodRuntimeLayout.Port}; "
            + $"token: kubectl -n {compute.Namespace} get secret {PodRuntimeLayout.TokenSecretName(compute.ServiceName)} -o jsonpath='{{.data.token}}' | base64 -d");
    }
}
