using Kt.FakeKubeApi;
using Kt.Kubernetes.Api;

namespace Kt.Kubernetes.Tests.Cluster;

/// <summary>
/// The protocol fake API server with <see cref="HttpPodHost"/> pods, and the real client (<see cref="KubernetesClientApi"/>
/// over KubernetesClient) pointed at it through a kubeconfig file, exactly as users get it.
/// </summary>
internal sealed class FakeCluster : IAsyncDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kt-fake-cluster-" + Guid.NewGuid().ToString("N"));

    private FakeCluster(FakeApiServer server, HttpPodHost pods)
    {
        Server = server;
        Pods = pods;
        Directory.CreateDirectory(_folder);
        Kubeconfig = server.WriteKubeconfig(Path.Combine(_folder, "kubeconfig"));
        Api = Client();
    }

    public FakeApiServer Server { get; }

    public HttpPodHost Pods { get; }

    public string Kubeconfig { get; }

    public KubernetesClientApi Api { get; }

    public static async Task<FakeCluster> StartAsync(params string[] namespaces)
    {
        var pods = new HttpPodHost();
        var server = await FakeApiServer.StartAsync(pods);
        foreach (var ns in namespaces)
        {
            server.Namespaces.Add(ns);
        }

        return new FakeCluster(server, pods);
    }

    /// <summary>A client from the kubeconfig; fast polling and a short retry budget keep tests quick.</summary>
    public KubernetesClientApi Client(TimeSpan? retryFor = null, string? kubeconfig = null) =>
        KubernetesClientApi.FromKubeconfig(kubeconfig ?? Kubeconfig, TimeSpan.FromMilliseconds(100), retryFor ?? TimeSpan.FromSeconds(10));

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }
}
