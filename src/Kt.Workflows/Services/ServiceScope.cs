using Kt.DevLoop.Backends;

namespace Kt.Workflows.Services;

/// <summary>
/// Where the service verbs look: one backend when <see cref="Backend"/> is set, else every backend; Kubernetes in
/// <see cref="Namespace"/>. A backend that cannot be reached is skipped (and said so) unless it was named.
/// </summary>
public sealed record ServiceScope(string? Backend = null, string Namespace = "default")
{
    public static IReadOnlyList<string> AllBackends { get; } = [ComputeBackends.Process, ComputeBackends.Docker, ComputeBackends.Kubernetes];

    public IReadOnlyList<string> Backends => Backend is { Length: > 0 } one ? [one.Trim().ToLowerInvariant()] : AllBackends;

    /// <summary>True when the user named the backend: then a failure to reach it is their error, not a line in a list.</summary>
    public bool Named => Backend is { Length: > 0 };

    /// <summary>A backend for <paramref name="name"/> (the Kubernetes one on the default kubeconfig: KT5210 when there is none).</summary>
    public IComputeBackend Open(string name) => ComputeBackends.Create(name, Namespace);
}
