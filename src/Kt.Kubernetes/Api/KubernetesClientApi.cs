using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Kt.Core;

namespace Kt.Kubernetes.Api;

/// <summary>
/// <see cref="IKubernetesApi"/> over KubernetesClient. Built-in kinds go through their typed operations
/// (<c>PatchNamespacedService</c>, <c>PatchNamespacedDeployment</c>, ...); Knative Services and RayClusters through
/// <c>CustomObjects</c>. Every apply is a server-side apply patch (<see cref="V1Patch.PatchType.ApplyPatch"/>, sent as
/// <c>application/apply-patch+yaml</c>; JSON is valid YAML) with the given field manager.
/// </summary>
/// <remarks>
/// No API server can run where Kt's unit tests run, so this class is exercised by the kind end-to-end script
/// (<c>tests/kind/run-kind-e2e.sh</c>), not by unit tests; it is kept deliberately thin and conventional.
/// Pods are observed by polling (list + events every <see cref="PollInterval"/>), which survives API server
/// restarts and watch expiry without resume logic.
/// </remarks>
public sealed class KubernetesClientApi(IKubernetes client) : IKubernetesApi
{
    /// <summary>How often <see cref="WatchPodsAsync"/> lists pods.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A client from the default kubeconfig (<c>$KUBECONFIG</c> / <c>~/.kube/config</c>) or the in-cluster config.</summary>
    public static KubernetesClientApi FromDefaultConfig()
    {
        try
        {
            return new(new k8s.Kubernetes(KubernetesClientConfiguration.BuildDefaultConfig()));
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or FileNotFoundException or DirectoryNotFoundException)
        {
            throw new KtException("KT5210", $"No Kubernetes cluster is configured (KUBECONFIG, ~/.kube/config or in-cluster): {e.Message}", e);
        }
    }

    public async Task<JsonObject> ApplyAsync(object manifest, string fieldManager = "kt", bool force = true, CancellationToken cancellationToken = default)
    {
        var resource = ManifestJson.Identify(manifest);
        var patch = new V1Patch(ManifestJson.Serialize(manifest), V1Patch.PatchType.ApplyPatch);
        return await Call(resource, async () => (resource.ApiVersion, resource.Kind) switch
        {
            ("v1", "Service") => (object)await client.CoreV1.PatchNamespacedServiceAsync(patch, resource.Name, resource.Namespace, fieldManager: fieldManager, force: force, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("v1", "Secret") => await client.CoreV1.PatchNamespacedSecretAsync(patch, resource.Name, resource.Namespace, fieldManager: fieldManager, force: force, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("apps/v1", "Deployment") => await client.AppsV1.PatchNamespacedDeploymentAsync(patch, resource.Name, resource.Namespace, fieldManager: fieldManager, force: force, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("apps/v1", "StatefulSet") => await client.AppsV1.PatchNamespacedStatefulSetAsync(patch, resource.Name, resource.Namespace, fieldManager: fieldManager, force: force, cancellationToken: cancellationToken).ConfigureAwait(false),
            _ => await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Group(resource.ApiVersion), Version(resource.ApiVersion), resource.Namespace, Plural(resource.Kind), resource.Name, fieldManager: fieldManager, force: force, cancellationToken: cancellationToken).ConfigureAwait(false),
        }).ConfigureAwait(false) ?? throw new KtException("KT5200", $"The API server returned nothing for {resource}.");
    }

    public async Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Call(resource, async () => (resource.ApiVersion, resource.Kind) switch
            {
                ("v1", "Service") => (object)await client.CoreV1.ReadNamespacedServiceAsync(resource.Name, resource.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
                ("v1", "Secret") => await client.CoreV1.ReadNamespacedSecretAsync(resource.Name, resource.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
                ("apps/v1", "Deployment") => await client.AppsV1.ReadNamespacedDeploymentAsync(resource.Name, resource.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
                ("apps/v1", "StatefulSet") => await client.AppsV1.ReadNamespacedStatefulSetAsync(resource.Name, resource.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
                _ => await client.CustomObjects.GetNamespacedCustomObjectAsync(Group(resource.ApiVersion), Version(resource.ApiVersion), resource.Namespace, Plural(resource.Kind), resource.Name, cancellationToken).ConfigureAwait(false),
            }).ConfigureAwait(false);
        }
        catch (KtException e) when (e.Code == "KT5205")
        {
            return null;
        }
    }

    public async Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default)
    {
        try
        {
            await Call(resource, async () => (resource.ApiVersion, resource.Kind) switch
            {
                ("v1", "Service") => (object)await client.CoreV1.DeleteNamespacedServiceAsync(resource.Name, resource.Namespace, propagationPolicy: "Background", cancellationToken: cancellationToken).ConfigureAwait(false),
                ("v1", "Secret") => await client.CoreV1.DeleteNamespacedSecretAsync(resource.Name, resource.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
                ("v1", "Pod") => await client.CoreV1.DeleteNamespacedPodAsync(resource.Name, resource.Namespace, cancellationToken: cancellationToken).ConfigureAwait(false),
                ("apps/v1", "Deployment") => await client.AppsV1.DeleteNamespacedDeploymentAsync(resource.Name, resource.Namespace, propagationPolicy: "Background", cancellationToken: cancellationToken).ConfigureAwait(false),
                ("apps/v1", "StatefulSet") => await client.AppsV1.DeleteNamespacedStatefulSetAsync(resource.Name, resource.Namespace, propagationPolicy: "Background", cancellationToken: cancellationToken).ConfigureAwait(false),
                _ => await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group(resource.ApiVersion), Version(resource.ApiVersion), resource.Namespace, Plural(resource.Kind), resource.Name, propagationPolicy: "Background", cancellationToken: cancellationToken).ConfigureAwait(false),
            }).ConfigureAwait(false);
            return true;
        }
        catch (KtException e) when (e.Code == "KT5205")
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<ResourceRef>> ListAsync(string apiVersion, string kind, string @namespace, string labelSelector, CancellationToken cancellationToken = default)
    {
        var probe = new ResourceRef(apiVersion, kind, @namespace, "*");
        var list = await Call(probe, async () => (apiVersion, kind) switch
        {
            ("v1", "Service") => (object)await client.CoreV1.ListNamespacedServiceAsync(@namespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("v1", "Secret") => await client.CoreV1.ListNamespacedSecretAsync(@namespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("apps/v1", "Deployment") => await client.AppsV1.ListNamespacedDeploymentAsync(@namespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
            ("apps/v1", "StatefulSet") => await client.AppsV1.ListNamespacedStatefulSetAsync(@namespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
            _ => await client.CustomObjects.ListNamespacedCustomObjectAsync(Group(apiVersion), Version(apiVersion), @namespace, Plural(kind), labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false),
        }).ConfigureAwait(false);
        return ((list?["items"] as JsonArray) ?? [])
            .Select(item => new ResourceRef(apiVersion, kind, @namespace, (string?)item?["metadata"]?["name"] ?? ""))
            .ToList();
    }

    public async IAsyncEnumerable<IReadOnlyList<PodStatusSnapshot>> WatchPodsAsync(
        string @namespace, string labelSelector, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
            var snapshots = new List<PodStatusSnapshot>();
            foreach (var pod in pods.Items)
            {
                var snapshot = PodSnapshots.From(pod, []);
                if (PodSnapshots.NeedsEvents(snapshot))
                {
                    var events = await client.CoreV1.ListNamespacedEventAsync(
                        @namespace, fieldSelector: $"involvedObject.name={pod.Metadata.Name}", cancellationToken: cancellationToken).ConfigureAwait(false);
                    snapshot = snapshot with
                    {
                        Events = events.Items
                            .OrderBy(e => e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp)
                            .Select(e => $"{e.Reason}: {e.Message}")
                            .ToList(),
                    };
                }

                snapshots.Add(snapshot);
            }

            yield return snapshots;
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Listens on 127.0.0.1:<paramref name="localPort"/> (0 picks a free port) and opens, per accepted connection,
    /// the API server's port-forward WebSocket to the pod (<c>v4.channel.k8s.io</c>), copying bytes both ways. A
    /// dropped tunnel ends only its own connection; the next connection dials again, which is the reconnect.
    /// </summary>
    public Task<PortForwarder> PortForwardAsync(string @namespace, string podName, int podPort, int localPort, CancellationToken cancellationToken = default)
    {
        var forward = PortForwarder.Start(localPort, async (socketStream, token) =>
        {
            using var webSocket = await client.WebSocketNamespacedPodPortForwardAsync(podName, @namespace, [podPort], "v4.channel.k8s.io", cancellationToken: token).ConfigureAwait(false);
            using var demuxer = new StreamDemuxer(webSocket, StreamType.PortForward);
            demuxer.Start();
            await using var tunnel = demuxer.GetStream((byte?)0, (byte?)0);
            await PortForwarder.PumpAsync(socketStream, tunnel, token).ConfigureAwait(false);
        });
        return Task.FromResult(forward);
    }

    private static async Task<JsonObject?> Call(ResourceRef resource, Func<Task<object>> request)
    {
        try
        {
            var result = await request().ConfigureAwait(false);
            return result is null ? null : ManifestJson.ToNode(result);
        }
        catch (HttpOperationException e)
        {
            throw ApiErrors.Map(e.Response?.StatusCode ?? HttpStatusCode.InternalServerError, e.Response?.Content, resource, e);
        }
    }

    private static string Group(string apiVersion) => apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";

    private static string Version(string apiVersion) => apiVersion[(apiVersion.IndexOf('/', StringComparison.Ordinal) + 1)..];

    /// <summary>Resource plural of the custom kinds Kt renders (ksvc, RayCluster); others follow the lowercase-s rule.</summary>
    private static string Plural(string kind) => kind switch
    {
        "Service" => "services",
        "RayCluster" => "rayclusters",
        _ => kind.ToLowerInvariant() + "s",
    };
}
