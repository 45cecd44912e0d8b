using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop.Backends;

/// <summary>
/// Where a service's pods run. A backend remembers what it created (a state file, container labels), so a second
/// deploy finds the running pods instead of creating new ones; a pod that died is replaced, keeping its rank.
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>process, docker or kubernetes.</summary>
    string Name { get; }

    /// <summary>Creates what is missing, finds what runs, replaces dead pods; every pod answers /health on return.</summary>
    Task<ServicePods> EnsureAsync(ServiceSpec spec, CancellationToken cancellationToken = default);

    /// <summary>The running service, or null when nothing of that name was created on this backend.</summary>
    Task<ServicePods?> FindAsync(string service, CancellationToken cancellationToken = default);

    /// <summary>Replaces one pod by a fresh one with an empty journal (a plan that cannot be applied in place).</summary>
    Task<PodEndpoint> RecreateAsync(ServiceSpec spec, int rank, CancellationToken cancellationToken = default);

    /// <summary>Removes everything created for the service; false when there was nothing.</summary>
    Task<bool> TeardownAsync(string service, CancellationToken cancellationToken = default);

    /// <summary>Rewrites or refuses a setup plan for what this backend can run (the process backend runs on this machine).</summary>
    LivePlan Adapt(LivePlan plan, ServiceSpec spec, PodEndpoint pod);

    /// <summary>
    /// Refuses, before <see cref="EnsureAsync"/> stops or removes any running pod, what the new pods would refuse: a
    /// deploy that cannot finish must leave the previous pods serving. (A backend checks what it can reach in
    /// <see cref="EnsureAsync"/> itself, before it removes anything: the docker backend its base image.)
    /// </summary>
    void Preflight(ServiceSpec spec, Kt.ImageCompiler.Resolution.ResolvedImage image)
    {
    }
}
