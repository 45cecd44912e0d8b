using Kt.PodRuntime.Supervision;
using Kt.PodRuntime.Sync;

namespace Kt.PodRuntime.Hosting;

/// <summary>When a pod is ready: not terminating, not catching up, setup not failed, a worker running (with the version asked for).</summary>
internal sealed class PodReadiness(RuntimeState state, WorkerSupervisor supervisor, VersionStore versions)
{
    public bool IsReady(string? wantedVersion) =>
        !state.Terminating && !state.CatchingUp && state.SetupActive && supervisor.WorkerProcessId is not null
        && (wantedVersion is null || (supervisor.ServingVersion == wantedVersion && versions.Active?.Version == wantedVersion));
}
