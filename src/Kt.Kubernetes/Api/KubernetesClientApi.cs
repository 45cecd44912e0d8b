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
/// Tested unchanged against a protocol-level fake API server (tests/support/Kt.FakeKubeApi) through a kubeconfig, and
/// on a real cluster by <c>tests/kind/run-kind-e2e.sh</c>. Every request is retried with back-off on transport
/// failures and transient answers (429, 502–504) for at most <see cref="RetryFor"/>, then fails with KT5211; refusals
/// map to KT52xx (<see cref="ApiErrors"/>). Pods are observed by polling (list + events every
/// <see cref="PollInterval"/>), which survives API server restarts and watch expiry without resume logic.
/// </remarks>
public sealed class KubernetesClientApi(IKubernetes client) : IKubernetesApi
{
    private static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DefaultRetryFor = TimeSpan.FromSeconds(30);

    /// <summary>How often <see cref="WatchPodsAsync"/> lists pods.</summary>
    public TimeSpan PollInterval { get; init; } = DefaultPollInterval;

    /// <summary>How long one request is retried on transport failures and transient answers before KT5211.</summary>
    public TimeSpan RetryFor { get; init; } = DefaultRetryFor;

    /// <summary>
    /// A client from the default kubeconfig (the first existing file of <c>$KUBECONFIG</c>, else <c>~/.kube/config</c>)
    /// or the in-cluster config; KT5210 when there is none (never KubernetesClient's fallback to localhost:8080).
    /// </summary>
    public static KubernetesClientApi FromDefaultConfig()
    {
        if (KubeconfigLocator.Find() is { } path)
        {
            return FromKubeconfig(path);
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return new(new k8s.Kubernetes(KubernetesClientConfiguration.InClusterConfig()));
        }

        throw new KtException("KT5210", $"No Kubernetes cluster is configured: {KubeconfigLocator.Describe()} and this is not a pod (no KUBERNETES_SERVICE_HOST). Point KUBECONFIG at your cluster's kubeconfig.");
    }

    /// <summary>A client for the current context of the kubeconfig at <paramref name="path"/>.</summary>
    /// <param name="path">The kubeconfig file.</param>
    /// <param name="pollInterval">Overrides <see cref="PollInterval"/>.</param>
    /// <param name="retryFor">Overrides <see cref="RetryFor"/>.</param>
    public static KubernetesClientApi FromKubeconfig(string path, TimeSpan? pollInterval = null, TimeSpan? retryFor = null)
    {
        try
        {
            return new(new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path)))
            {
                PollInterval = pollInterval ?? DefaultPollInterval,
                RetryFor = retryFor ?? DefaultRetryFor,
            };
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or FileNotFoundException or DirectoryNotFoundException or IOException or YamlDotNet.Core.YamlException)
        {
            throw new KtException("KT5210", $"The kubeconfig {path} cannot be used: {e.Message}", e);
        }
    }

    /// <summary>
    /// One cheap request (<c>GET /version</c>, which needs no RBAC rights) so that an unreachable server fails with
    /// KT5211 before anything is built or pushed for it.
    /// </summary>
    public async Task EnsureReachableAsync(CancellationToken cancellationToken = default)
    {
        var probe = new ResourceRef("v1", "version", "", "");
        await Send("reach", probe, async token => (object)await client.Version.GetCodeAsync(token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
    }

    public async Task<JsonObject> ApplyAsync(object manifest, string fieldManager = "kt", bool force = true, CancellationToken cancellationToken = default)
    {
        var resource = ManifestJson.Identify(manifest);
        var patch = new V1Patch(ManifestJson.Serialize(manifest), V1Patch.PatchType.ApplyPatch);
        var stored = await Send("apply", resource, async token => (resource.ApiVersion, resource.Kind) switch
        {
            ("v1", "Service") => (object)await client.CoreV1.PatchNamespacedServiceAsync(patch, resource.Name, resource.Namespace, fieldManager: fieldManager, force: force, cancellationToken: token).ConfigureAwait(false),
            ("v1", "Secret") => await client.CoreV1.PatchNamespacedSecretAsync(patch, resource.Name, resource.Namespace, fieldManager: fieldManager, force: force, cancellationToken: token).ConfigureAwait(false),
            ("apps/v1", "Deployment") => await client.AppsV1.PatchNamespacedDeploymentAsync(patch, resource.Name, resource.Namespace, fieldManager: fieldManager, force: force, cancellationToken: token).ConfigureAwait(false),
            ("apps/v1", "StatefulSet") => await client.AppsV1.PatchNamespacedStatefulSetAsync(patch, resource.Name, resource.Namespace, fieldManager: fieldManager, force: force, cancellationToken: token).ConfigureAwait(false),
            _ => await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, Group(resource.ApiVersion), Version(resource.ApiVersion), resource.Namespace, Plural(resource.Kind), resource.Name, fieldManager: fieldManager, force: force, cancellationToken: token).ConfigureAwait(false),
        }, cancellationToken).ConfigureAwait(false);
        return stored is null ? throw new KtException("KT5200", $"The API server returned nothing for {resource}.") : ManifestJson.ToNode(stored);
    }

    public async Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default)
    {
        try
        {
            var stored = await Send("get", resource, async token => (resource.ApiVersion, resource.Kind) switch
            {
                ("v1", "Service") => (object)await client.CoreV1.ReadNamespacedServiceAsync(resource.Name, resource.Namespace, cancellationToken: token).ConfigureAwait(false),
                ("v1", "Secret") => await client.CoreV1.ReadNamespacedSecretAsync(resource.Name, resource.Namespace, cancellationToken: token).ConfigureAwait(false),
                ("apps/v1", "Deployment") => await client.AppsV1.ReadNamespacedDeploymentAsync(resource.Name, resource.Namespace, cancellationToken: token).ConfigureAwait(false),
                ("apps/v1", "StatefulSet") => await client.AppsV1.ReadNamespacedStatefulSetAsync(resource.Name, resource.Namespace, cancellationToken: token).ConfigureAwait(false),
                _ => await client.CustomObjects.GetNamespacedCustomObjectAsync(Group(resource.ApiVersion), Version(resource.ApiVersion), resource.Namespace, Plural(resource.Kind), resource.Name, token).ConfigureAwait(false),
            }, cancellationToken).ConfigureAwait(false);
            return stored is null ? null : ManifestJson.ToNode(stored);
        }
        catch (KtException e) when (e.Code == "KT5205")
        {
            return null;
        }
    }

    /// <summary>
    /// Deletes with background propagation. The answer (a <c>Status</c>, or the object for pods) is not read back:
    /// KubernetesClient's <see cref="V1Status"/> cannot be serialised again, and nothing in it is needed.
    /// </summary>
    public async Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default)
    {
        try
        {
            await Send("delete", resource, async token => (resource.ApiVersion, resource.Kind) switch
            {
                ("v1", "Service") => (object)await client.CoreV1.DeleteNamespacedServiceAsync(resource.Name, resource.Namespace, propagationPolicy: "Background", cancellationToken: token).ConfigureAwait(false),
                ("v1", "Secret") => await client.CoreV1.DeleteNamespacedSecretAsync(resource.Name, resource.Namespace, cancellationToken: token).ConfigureAwait(false),
                ("v1", "Pod") => await client.CoreV1.DeleteNamespacedPodAsync(resource.Name, resource.Namespace, cancellationToken: token).ConfigureAwait(false),
                ("apps/v1", "Deployment") => await client.AppsV1.DeleteNamespacedDeploymentAsync(resource.Name, resource.Namespace, propagationPolicy: "Background", cancellationToken: token).ConfigureAwait(false),
                ("apps/v1", "StatefulSet") => await client.AppsV1.DeleteNamespacedStatefulSetAsync(resource.Name, resource.Namespace, propagationPolicy: "Background", cancellationToken: token).ConfigureAwait(false),
                _ => await client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group(resource.ApiVersion), Version(resource.ApiVersion), resource.Namespace, Plural(resource.Kind), resource.Name, propagationPolicy: "Background", cancellationToken: token).ConfigureAwait(false),
            }, cancellationToken).ConfigureAwait(false);
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
        var list = await Send("list", probe, async token => (apiVersion, kind) switch
        {
            ("v1", "Service") => (object)await client.CoreV1.ListNamespacedServiceAsync(@namespace, labelSelector: labelSelector, cancellationToken: token).ConfigureAwait(false),
            ("v1", "Secret") => await client.CoreV1.ListNamespacedSecretAsync(@namespace, labelSelector: labelSelector, cancellationToken: token).ConfigureAwait(false),
            ("apps/v1", "Deployment") => await client.AppsV1.ListNamespacedDeploymentAsync(@namespace, labelSelector: labelSelector, cancellationToken: token).ConfigureAwait(false),
            ("apps/v1", "StatefulSet") => await client.AppsV1.ListNamespacedStatefulSetAsync(@namespace, labelSelector: labelSelector, cancellationToken: token).ConfigureAwait(false),
            _ => await client.CustomObjects.ListNamespacedCustomObjectAsync(Group(apiVersion), Version(apiVersion), @namespace, Plural(kind), labelSelector: labelSelector, cancellationToken: token).ConfigureAwait(false),
        }, cancellationToken).ConfigureAwait(false);
        return ((list is null ? null : ManifestJson.ToNode(list)["items"] as JsonArray) ?? [])
            .Select(item => new ResourceRef(apiVersion, kind, @namespace, (string?)item?["metadata"]?["name"] ?? ""))
            .ToList();
    }

    /// <summary>
    /// Lists the pods (and the events of pods that show a problem or are still being created) every
    /// <see cref="PollInterval"/>; each list is retried like any request, so a restarting API server only delays it.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<PodStatusSnapshot>> WatchPodsAsync(
        string @namespace, string labelSelector, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var podsRef = new ResourceRef("v1", "Pod", @namespace, "*");
        var eventsRef = new ResourceRef("v1", "Event", @namespace, "*");
        while (!cancellationToken.IsCancellationRequested)
        {
            var pods = await Send("list", podsRef, token => client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: labelSelector, cancellationToken: token), cancellationToken).ConfigureAwait(false);
            var snapshots = new List<PodStatusSnapshot>();
            foreach (var pod in pods.Items)
            {
                var snapshot = PodSnapshots.From(pod, []);
                if (PodSnapshots.NeedsEvents(snapshot))
                {
                    var events = await Send("list", eventsRef, token => client.CoreV1.ListNamespacedEventAsync(
                        @namespace, fieldSelector: $"involvedObject.name={pod.Metadata.Name}", cancellationToken: token), cancellationToken).ConfigureAwait(false);
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
    /// <remarks>
    /// Each direction has its own demuxed stream: KubernetesClient's <c>MuxedStream</c> overrides only the synchronous
    /// Read/Write, so the async calls inherited from <see cref="Stream"/> serialise on one semaphore per stream
    /// instance. One stream for both directions blocks a kept-alive connection's next request behind the read that
    /// waits for its response.
    /// </remarks>
    public Task<PortForwarder> PortForwardAsync(string @namespace, string podName, int podPort, int localPort, CancellationToken cancellationToken = default)
    {
        var forward = PortForwarder.Start(localPort, async (socketStream, token) =>
        {
            using var webSocket = await client.WebSocketNamespacedPodPortForwardAsync(podName, @namespace, [podPort], "v4.channel.k8s.io", cancellationToken: token).ConfigureAwait(false);
            using var demuxer = new StreamDemuxer(webSocket, StreamType.PortForward);
            demuxer.Start();
            await using var fromPod = demuxer.GetStream((byte?)0, null);
            await using var toPod = demuxer.GetStream(null, (byte?)0);
            await PortForwarder.PumpAsync(socketStream, toPod, fromPod, token, webSocket.Abort).ConfigureAwait(false);
        });
        return Task.FromResult(forward);
    }

    /// <summary>
    /// Sends one request, retrying transport failures (connection refused or dropped, timeouts) and transient answers
    /// with exponential back-off (100 ms doubling to 2 s) for at most <see cref="RetryFor"/>; maps refusals to KT codes.
    /// </summary>
    private async Task<T> Send<T>(string verb, ResourceRef resource, Func<CancellationToken, Task<T>> request, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            Exception failure;
            try
            {
                return await request(cancellationToken).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (e.Response is { } response && ApiErrors.IsTransient(response.StatusCode, response.Content))
            {
                failure = e;
            }
            catch (HttpOperationException e)
            {
                throw ApiErrors.Map(e.Response?.StatusCode ?? HttpStatusCode.InternalServerError, e.Response?.Content, resource, e, verb);
            }
            catch (Exception e) when (IsTransport(e) && !cancellationToken.IsCancellationRequested)
            {
                failure = e;
            }

            if (clock.Elapsed + delay > RetryFor)
            {
                throw new KtException("KT5211", $"The API server at {client.BaseUri} did not answer a {verb} of {resource} for {clock.Elapsed.TotalSeconds:0.#} s (retried with back-off): {Innermost(failure).Message}. Check that the cluster is up and that the kubeconfig's server address is reachable from here.", failure);
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    private static bool IsTransport(Exception e) =>
        e is HttpRequestException or IOException or System.Net.Sockets.SocketException or TaskCanceledException or System.Net.WebSockets.WebSocketException;

    private static Exception Innermost(Exception e) => e.InnerException is { } inner ? Innermost(inner) : e;

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
