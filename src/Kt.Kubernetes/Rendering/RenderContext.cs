using Kt.Core;
using Kt.PodRuntime.Protocol;

namespace Kt.Kubernetes.Rendering;

/// <summary>
/// Everything the renderer needs besides <see cref="Model.Compute"/>: how to start the Kt pod runtime, the deploy
/// mode and per-deploy data. Per-deploy data never enters a pod template, so code changes never restart pods.
/// </summary>
public sealed record RenderContext
{
    /// <summary>The container command, e.g. <see cref="PodRuntimeLayout.Command"/>.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>
    /// How the runtime starts in every pod of the service (layout, frozen app, peer, setup epoch). The renderer adds
    /// what it knows of the pod (service, SPMD world and master) and writes the whole with <see cref="RuntimeLaunch.Write"/>:
    /// layout as container arguments, the rest as environment; what only a running pod knows (its name, its ordinal
    /// rank) comes from the downward API under the same variable names.
    /// </summary>
    public RuntimeLaunch Launch { get; init; } = PodRuntimeLayout.Live();

    /// <summary>Further environment of the runtime container (part of the pod template: changing it restarts pods).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Dev mode: pods are long-lived and updated in place (code sync, live setup); Knative min-scale is pinned to at
    /// least 1 so a scale-to-zero never drops live updates.
    /// </summary>
    public bool DevMode { get; init; } = true;

    /// <summary>
    /// Frozen (production) mode: the image must be pinned by digest and already contain everything; the runtime is
    /// started with <c>--frozen-app</c> (<see cref="RuntimeLaunch.FrozenApp"/>) so it serves the baked app and neither
    /// syncs code nor runs live setup.
    /// </summary>
    public bool Frozen => Launch.FrozenApp is not null;

    /// <summary>
    /// Per-deploy data (code version, live plan digest, ...) recorded as annotations on the workload object only
    /// (never on its pod template).
    /// </summary>
    public IReadOnlyDictionary<string, string> DeployAnnotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Bring your own workload manifest (YAML or JSON text) merged with the generated one; the user's values win.</summary>
    public string? ExistingWorkloadManifest { get; init; }

    /// <summary>Selector-only mode: adopt pods that already run with these labels; only a Service is rendered.</summary>
    public IReadOnlyDictionary<string, string>? AdoptPodsSelector { get; init; }

    /// <summary>The usual context for the Kt pod runtime an image built by Kt carries (<see cref="PodRuntimeLayout"/>).</summary>
    public static RenderContext ForPodRuntime(int port = PodRuntimeLayout.Port, string root = PodRuntimeLayout.DataRoot) => new()
    {
        Command = PodRuntimeLayout.Command,
        Launch = PodRuntimeLayout.Live(port, root),
    };
}
