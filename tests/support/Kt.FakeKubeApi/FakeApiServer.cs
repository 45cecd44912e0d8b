using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Kt.FakeKubeApi;

/// <summary>
/// A FAKE Kubernetes API server, faked at the protocol (no API server can be installed where CI runs): Kestrel on
/// loopback speaking the parts of the v1.32 API Kt uses, with HTTP keep-alive, bearer-token auth, per-verb RBAC
/// refusals, <c>Status</c> bodies for every refusal, server-side apply, label/field selectors, DELETE answering
/// <c>Status</c>, a Deployment controller with rolling updates, a scheduler and kubelet that walk pods through
/// realistic states (FailedMount, ImagePullBackOff, Unschedulable, CreateContainerConfigError), and the port-forward
/// WebSocket in front of the containers an <see cref="IPodHost"/> runs for real. Faults: a stopped server, dropped
/// connections. Point KubernetesClient at it with <see cref="WriteKubeconfig"/>.
/// </summary>
public sealed partial class FakeApiServer : IAsyncDisposable
{
    private readonly IPodHost? _podHost;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string ApiVersion, string Plural, string Namespace, string Name), StoredObject> _objects = [];
    private readonly Dictionary<(string Namespace, string Name), PodState> _pods = [];
    private readonly HashSet<ServedKind> _served = [.. ServedKind.BuiltIn];
    private readonly HashSet<(string Verb, string Plural)> _denied = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<WebSocketSession> _forwards = [];
    private WebApplication? _app;
    private Task? _controllers;
    private long _resourceVersion = 1000;
    private int _requests;
    private int _connections;
    private int _dropRequests;

    public FakeApiServer(IPodHost? podHost = null, string token = "fake-token")
    {
        _podHost = podHost;
        Token = token;
    }

    /// <summary>The bearer token the server accepts (401 otherwise).</summary>
    public string Token { get; }

    /// <summary>Namespaces that exist (apply into another answers 404 <c>namespaces "x" not found</c>).</summary>
    public HashSet<string> Namespaces { get; } = ["default"];

    /// <summary>GPUs (<c>nvidia.com/gpu</c>) the one node offers; pods asking for more stay Unschedulable.</summary>
    public int NodeGpus { get; set; }

    /// <summary>Images the node cannot pull (ErrImagePull, then ImagePullBackOff).</summary>
    public Func<string, bool> CannotPull { get; set; } = image => image.Contains("does-not-exist", StringComparison.Ordinal);

    /// <summary>
    /// A FailedMount message every new pod shows first (e.g. <c>failed to sync configmap cache: timed out waiting for the
    /// condition</c>), while its container waits in ContainerCreating.
    /// </summary>
    public string? TransientMountFailure { get; set; }

    /// <summary>Whether <see cref="TransientMountFailure"/> clears once a client has listed the pod's events (else it stays).</summary>
    public bool TransientMountClears { get; set; } = true;

    public Uri Url { get; private set; } = new("http://127.0.0.1/");

    /// <summary>HTTP requests served so far (every request, including refused ones).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>TCP connections accepted so far (keep-alive keeps this low).</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Every request as <c>VERB path</c>, in order.</summary>
    public List<string> Log { get; } = [];

    /// <summary>Serves a CRD (Knative Services, RayClusters); without its controller nothing ever runs its pods.</summary>
    public void Install(ServedKind kind)
    {
        lock (_gate)
        {
            _served.Add(kind);
        }
    }

    /// <summary>RBAC: the user may not <paramref name="verb"/> (get, list, patch, delete) <paramref name="plural"/>.</summary>
    public void Deny(string verb, string plural)
    {
        lock (_gate)
        {
            _denied.Add((verb, plural));
        }
    }

    /// <summary>The next <paramref name="count"/> requests have their connection dropped without an answer.</summary>
    public void DropNextRequests(int count) => Interlocked.Exchange(ref _dropRequests, count);

    public static async Task<FakeApiServer> StartAsync(IPodHost? podHost = null)
    {
        var server = new FakeApiServer(podHost);
        await server.ListenAsync(0).ConfigureAwait(false);
        server._controllers = server.RunControllersAsync(server._stop.Token);
        return server;
    }

    /// <summary>Stops answering (connections refused) while keeping every object, as a stopped API server does.</summary>
    public async Task StopListeningAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public Task ResumeAsync() => ListenAsync(Url.Port);

    /// <summary>Ends every open port-forward WebSocket abruptly (a dropped tunnel).</summary>
    public void DropForwards()
    {
        lock (_gate)
        {
            foreach (var session in _forwards)
            {
                session.Socket.Abort();
            }
        }
    }

    /// <summary>A kubeconfig whose current context points at this server with its token.</summary>
    public string WriteKubeconfig(string path, string? token = null, string @namespace = "default")
    {
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {Url.GetLeftPart(UriPartial.Authority)}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: kt
                namespace: {@namespace}
            current-context: fake
            users:
            - name: kt
              user:
                token: {token ?? Token}
            """);
        return path;
    }

    /// <summary>The stored object (a copy), or null.</summary>
    public JsonObject? Get(string apiVersion, string plural, string @namespace, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((apiVersion, plural, @namespace, name), out var stored) ? (JsonObject)stored.Object.DeepClone() : null;
        }
    }

    /// <summary>Every stored object of a kind in a namespace (copies).</summary>
    public IReadOnlyList<JsonObject> List(string apiVersion, string plural, string @namespace)
    {
        lock (_gate)
        {
            return _objects.Where(o => o.Key.ApiVersion == apiVersion && o.Key.Plural == plural && o.Key.Namespace == @namespace)
                .Select(o => (JsonObject)o.Value.Object.DeepClone()).ToList();
        }
    }

    /// <summary>Names of every pod the fake has created so far (to tell a restart from a kept pod).</summary>
    public List<string> PodsCreated { get; } = [];

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port, listen => listen.Use(next => connection =>
        {
            Interlocked.Increment(ref _connections);
            return next(connection);
        })));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Urls.First();
        Url = new Uri(address.EndsWith('/') ? address : address + "/");
        _app = app;
    }

    private async Task HandleAsync(HttpContext http)
    {
        Interlocked.Increment(ref _requests);
        lock (Log)
        {
            Log.Add($"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}");
        }

        if (Interlocked.Decrement(ref _dropRequests) >= 0)
        {
            http.Abort();
            return;
        }

        if (http.Request.Path == "/version" || http.Request.Path == "/version/")
        {
            // Served to anyone, as system:public-info-viewer allows.
            await WriteAsync(http, new JsonObject { ["major"] = "1", ["minor"] = "32", ["gitVersion"] = "v1.32.13", ["platform"] = "linux/amd64" }).ConfigureAwait(false);
            return;
        }

        if (http.Request.Headers.Authorization.ToString() != $"Bearer {Token}")
        {
            await WriteAsync(http, ApiStatus.Failure(401, "Unauthorized", "Unauthorized")).ConfigureAwait(false);
            return;
        }

        var path = ApiPath.Parse(http.Request.Path.Value ?? "");
        ServedKind? kind;
        lock (_gate)
        {
            kind = path is null ? null : _served.FirstOrDefault(k => k.Group == path.Group && k.Version == path.Version && k.Plural == path.Plural);
        }

        if (path is null || kind is null)
        {
            await WriteAsync(http, ApiStatus.NoSuchResource()).ConfigureAwait(false);
            return;
        }

        var verb = (http.Request.Method, path.Name, path.Subresource) switch
        {
            ("GET", not null, "portforward") or ("POST", not null, "portforward") => "create",
            ("GET", null, _) => "list",
            ("GET", _, _) => "get",
            ("PATCH", _, _) => "patch",
            ("DELETE", _, _) => "delete",
            _ => "unsupported",
        };
        bool denied;
        lock (_gate)
        {
            denied = _denied.Contains((verb, path.Plural));
        }

        if (denied)
        {
            var resource = path.Subresource is null ? path.Plural : $"{path.Plural}/{path.Subresource}";
            var subject = path.Name is null ? path.QualifiedResource : $"{path.QualifiedResource} \"{path.Name}\"";
            await WriteAsync(http, ApiStatus.Failure(403, "Forbidden",
                $"{subject} is forbidden: User \"kt-user\" cannot {verb} resource \"{resource}\" in API group \"{path.Group}\" in the namespace \"{path.Namespace}\"",
                ApiStatus.Details(path, null))).ConfigureAwait(false);
            return;
        }

        var answer = verb switch
        {
            "create" => null,
            "list" => ListObjects(path, kind, http.Request.Query["labelSelector"], http.Request.Query["fieldSelector"]),
            "get" => GetObject(path),
            "patch" => await ApplyAsync(http, path, kind).ConfigureAwait(false),
            "delete" => DeleteObject(path),
            _ => ApiStatus.Failure(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource"),
        };
        if (answer is null)
        {
            await PortForwardAsync(http, path).ConfigureAwait(false);
            return;
        }

        await WriteAsync(http, answer).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpContext http, JsonObject body)
    {
        http.Response.StatusCode = (int?)body["code"] ?? (int?)body["__status"] ?? 200;
        body.Remove("__status");
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body.ToJsonString()).ConfigureAwait(false);
    }

    private JsonObject GetObject(ApiPath path)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((path.ApiVersion, path.Plural, path.Namespace, path.Name!), out var stored)
                ? (JsonObject)stored.Object.DeepClone()
                : ApiStatus.NotFound(path);
        }
    }

    private JsonObject ListObjects(ApiPath path, ServedKind kind, string? labelSelector, string? fieldSelector)
    {
        lock (_gate)
        {
            if (path.Plural == "events" && fieldSelector?.StartsWith("involvedObject.name=", StringComparison.Ordinal) == true
                && _pods.TryGetValue((path.Namespace, fieldSelector["involvedObject.name=".Length..]), out var watched))
            {
                watched.EventsListed = true;
            }

            var items = _objects
                .Where(o => o.Key.ApiVersion == path.ApiVersion && o.Key.Plural == path.Plural && o.Key.Namespace == path.Namespace)
                .Select(o => o.Value.Object)
                .Where(o => Selectors.MatchesLabels(o, labelSelector) && Selectors.MatchesFields(o, fieldSelector))
                .OrderBy(o => (string?)o["metadata"]?["name"], StringComparer.Ordinal)
                .Select(o => o.DeepClone())
                .ToArray();
            return new JsonObject
            {
                ["kind"] = $"{kind.Kind}List",
                ["apiVersion"] = kind.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) },
                ["items"] = new JsonArray(items),
            };
        }
    }

    private JsonObject DeleteObject(ApiPath path)
    {
        lock (_gate)
        {
            var key = (path.ApiVersion, path.Plural, path.Namespace, path.Name!);
            if (!_objects.TryGetValue(key, out var stored))
            {
                return ApiStatus.NotFound(path);
            }

            var uid = (string?)stored.Object["metadata"]?["uid"];
            if (path.Plural == "pods" && path.Group.Length == 0)
            {
                // Pods are deleted gracefully: the answer is the pod, now carrying its deletion timestamp.
                stored.Object["metadata"]!["deletionTimestamp"] ??= Now();
                stored.Object["metadata"]!["resourceVersion"] = NextVersion();
                return (JsonObject)stored.Object.DeepClone();
            }

            _objects.Remove(key);
            // Core Services answer with the deleted object (their registry returns it); everything else with a Status.
            return path.Plural == "services" && path.Group.Length == 0 ? (JsonObject)stored.Object.DeepClone() : ApiStatus.Success(path, uid);
        }
    }

    private string NextVersion() => Interlocked.Increment(ref _resourceVersion).ToString(CultureInfo.InvariantCulture);

    private static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_controllers is not null)
        {
            await _controllers.ConfigureAwait(false);
        }

        await StopListeningAsync().ConfigureAwait(false);
        List<PodState> pods;
        lock (_gate)
        {
            pods = [.. _pods.Values];
            _pods.Clear();
        }

        foreach (var pod in pods)
        {
            await pod.StopAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    private sealed class StoredObject(JsonObject obj)
    {
        public JsonObject Object { get; set; } = obj;

        /// <summary>What each field manager last applied, in the order they first applied.</summary>
        public Dictionary<string, JsonObject> Managers { get; } = new(StringComparer.Ordinal);
    }

    private sealed record WebSocketSession(System.Net.WebSockets.WebSocket Socket);
}
