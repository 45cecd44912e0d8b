using Kt.PodRuntime.Supervision;
using Kt.PodRuntime.Sync;

namespace Kt.PodRuntime.Hosting;

/// <summary>
/// When a pod is ready: not terminating, not catching up, setup not failed, and a worker running its active code (the
/// version asked for, when one is). A pod with no code yet needs no worker to be ready: there is nothing to serve,
/// and what comes first is a deploy (a call meanwhile waits for the worker, which starts once the server listens).
/// </summary>
internal sealed class PodReadiness(RuntimeState state, WorkerSupervisor supervisor, VersionStore versions)
{
    public bool IsReady(string? wantedVersion) =>
        !state.Terminating && !state.CatchingUp && state.SetupActive
        && (wantedVersion is null
            ? versions.Active is null || supervisor.WorkerProcessId is not null
            : supervisor.ServingVersion == wantedVersion && versions.Active?.Version == wantedVersion);
}
