using Kt.FakeKubeApi;
using Kt.Kubernetes.Api;

namespace Kt.DevLoop.Tests;

/// <summary>
/// The protocol-level fake API server whose pods are real runtimes (<see cref="RuntimePodHost"/>), and the real
/// client (<see cref="KubernetesClientApi"/> from a kubeconfig) that <see cref="Backends.KubernetesBackend"/> runs on.
/// </summary>
internal sealed class FakeKubernetesCluster : IAsyncDisposable
{
    private FakeKubernetesCluster(FakeApiServer server, string root)
    {
        Server = server;
        Kubeconfig = server.WriteKubeconfig(Path.Combine(root, "kubeconfig"));
        Api = KubernetesClientApi.FromKubeconfig(Kubeconfig, pollInterval: TimeSpan.FromMilliseconds(100), retryFor: TimeSpan.FromSeconds(10));
    }

    public FakeApiServer Server { get; }

    public string Kubeconfig { get; }

    public KubernetesClientApi Api { get; }

    public static async Task<FakeKubernetesCluster> StartAsync(string root, string @namespace = "dev")
    {
        Directory.CreateDirectory(root);
        var server = await FakeApiServer.StartAsync(new RuntimePodHost(Path.Combine(root, "pods")));
        server.Namespaces.Add(@namespace);
        return new FakeKubernetesCluster(server, root);
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
