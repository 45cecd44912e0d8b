namespace Kt.Kubernetes.Rendering;

/// <summary>
/// Everything the renderer needs besides <see cref="Model.Compute"/>: how to start the Kt pod runtime, the deploy
/// mode and per-deploy data. Per-deploy data never enters a pod template, so code changes never restart pods.
/// </summary>
public sealed record RenderContext
{
    /// <summary>The container command, e.g. <c>["/kt/runtime/kt-podruntime"]</c>.</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The container arguments, e.g. <c>["--port", "32300", "--root", "/kt/data"]</c>.</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Environment of the runtime container (part of the pod template: changing it restarts pods).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Dev mode: pods are long-lived and updated in place (code sync, live setup); Knative min-scale is pinned to at
    /// least 1 so a scale-to-zero never drops live updates.
    /// </summary>
    public bool DevMode { get; init; } = true;

    /// <summary>
    /// Frozen (production) mode: the image must be pinned by digest and already contain everything; the runtime is
    /// started with <c>--frozen</c> (and <c>KT_FROZEN=1</c>) so it neither syncs code nor runs live setup.
    /// </summary>
    public bool Frozen { get; init; }

    /// <summary>
    /// Per-deploy data (code version, live plan digest, ...) recorded as annotations on the workload object only
    /// (never on its pod template).
    /// </summary>
    public IReadOnlyDictionary<string, string> DeployAnnotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Bring your own workload manifest (YAML or JSON text) merged with the generated one; the user's values win.</summary>
    public string? ExistingWorkloadManifest { get; init; }

    /// <summary>Selector-only mode: adopt pods that already run with these labels; only a Service is rendered.</summary>
    public IReadOnlyDictionary<string, string>? AdoptPodsSelector { get; init; }

    /// <summary>The usual context for the Kt pod runtime binary at <c>/kt/runtime/kt-podruntime</c>.</summary>
    public static RenderContext ForPodRuntime(int port = 32300, string root = "/kt/data") => new()
    {
        Command = ["/kt/runtime/kt-podruntime"],
        Args = ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--root", root],
    };
}
