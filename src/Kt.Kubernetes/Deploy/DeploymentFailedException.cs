using Kt.Core;

namespace Kt.Kubernetes.Deploy;

/// <summary>
/// A deploy that did not become ready, with the typed reason: KT5101 image pull, KT5102 unschedulable,
/// KT5103 timeout, KT5104 OOMKilled, KT5105 crash loop, KT5106 evicted, KT5107 container config error, KT5108 volume mount.
/// </summary>
public sealed class DeploymentFailedException(string code, string message, string? podName, string reason, IReadOnlyList<string> events)
    : KtException(code, message)
{
    /// <summary>The pod that showed the failure (null for a timeout without a specific pod).</summary>
    public string? PodName { get; } = podName;

    /// <summary>The Kubernetes reason, e.g. <c>ImagePullBackOff</c>, <c>Unschedulable</c>, <c>OOMKilled</c>.</summary>
    public string Reason { get; } = reason;

    /// <summary>The pod's recent events (<c>Reason: message</c>).</summary>
    public IReadOnlyList<string> Events { get; } = events;

    /// <summary>
    /// The kubelet retries this by itself and it often clears (a FailedMount "failed to sync configmap cache", an
    /// image pull that timed out): final only once it has persisted, unlike a missing Secret or image.
    /// </summary>
    public bool Transient { get; init; }

    /// <summary>The same failure with <paramref name="more"/> added to its message (what was left on the cluster).</summary>
    public DeploymentFailedException With(string more) => new(Code, $"{Detail} {more}", PodName, Reason, Events) { Transient = Transient };
}
