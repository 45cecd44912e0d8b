using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop;

/// <summary>
/// What the deploys of one session (a <c>kt watch</c>, a program's deploys) remember between them, so that a deploy
/// costs what changed: each file's stamp and digest (<see cref="Manifests"/>: only changed files are hashed, only the
/// manifest's changes travel), and the pods and journals the last deploy left (a deploy whose setup has nothing to run
/// against them skips finding the pods and reading their journals; the sync carries the journal's digest, a pod whose
/// journal moved refuses it with KT4055 and a pod that is gone does not answer — then the deploy takes the whole path).
/// </summary>
public sealed class DeployMemory
{
    public DeployMemory(ManifestBuilder? manifests = null) => Manifests = manifests ?? new ManifestBuilder();

    public ManifestBuilder Manifests { get; }

    /// <summary>Drops what the last deploy left (the pods): the next deploy finds them again (a new backend, other compute).</summary>
    public void ForgetPods() => Last = null;

    /// <summary>The last deploy that finished, or null (none yet, or the last one failed).</summary>
    internal LastDeploy? Last { get; set; }

    /// <summary>Where the last deploy left the service: its backend and spec, its pods, and each pod's journal after setup.</summary>
    internal sealed record LastDeploy(string Backend, ServiceSpec Spec, ServicePods Pods, IReadOnlyList<JournalResponse> Journals);
}
