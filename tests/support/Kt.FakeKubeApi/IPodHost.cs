using System.Text.Json.Nodes;

namespace Kt.FakeKubeApi;

/// <summary>
/// Runs the containers of the fake's pods for real (the fake's kubelet): a test supplies one that starts, say, the
/// Kt pod runtime as a loopback process. The fake probes readiness and forwards ports to what it returns.
/// </summary>
public interface IPodHost
{
    Task<IPodProcess> StartAsync(PodLaunch launch, CancellationToken cancellationToken);
}

/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Name">The pod's name.</param>
/// <param name="Container">The first container of the pod spec, as stored.</param>
/// <param name="Environment">Its environment resolved the way the kubelet does (values, Secret keys, field refs, envFrom).</param>
/// <param name="Cluster">The server, to resolve in-cluster service addresses (e.g. a peer URL) to loopback ones.</param>
public sealed record PodLaunch(string Namespace, string Name, JsonObject Container, IReadOnlyDictionary<string, string> Environment, FakeApiServer Cluster);

/// <summary>A running container.</summary>
public interface IPodProcess : IAsyncDisposable
{
    /// <summary>The loopback port a container port is reachable at.</summary>
    int PortFor(int containerPort);

    /// <summary>The process ended by itself (the kubelet would restart it).</summary>
    bool HasExited { get; }
}
