using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Kt.DevLoop.Backends;
using Kt.Kubernetes;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Validation;

namespace Kt.DevLoop.Tests;

/// <summary>
/// A FAKE cluster behind <see cref="IKubernetesApi"/>: no API server can run on these machines. Its objects are kept
/// by the Kubernetes tests' strict fake (every applied object is validated against the upstream schemas, Secrets store
/// stringData base64-encoded under data) and its pods are real: for each Deployment replica it starts the real pod
/// runtime as a process on loopback, with the token from the Secret the pod template references, and its port-forward
/// is a real loopback tunnel. What it does not do: scheduling, images (the runtime runs from this build), probes.
/// </summary>
internal sealed class LoopbackCluster : IKubernetesApi, IDisposable
{
    // Objects live in the same strict fake the Kubernetes tests use (schema validation, Secrets as the server stores them).
    private readonly Kubernetes.Tests.Fakes.FakeKubernetesApi _objects = new(ManifestValidator.Default);
    private readonly Dictionary<string, FakePod> _pods = new(StringComparer.Ordinal);
    private readonly string _root;
    private readonly Lock _gate = new();
    private int _podCounter;

    public LoopbackCluster(string root) => _root = root;

    /// <summary>Names of every pod started so far (to tell a restart from a kept pod).</summary>
    public List<string> Started { get; } = [];

    public async Task<JsonObject> ApplyAsync(object manifest, string fieldManager = "kt", bool force = true, CancellationToken cancellationToken = default)
    {
        var resource = ManifestJson.Identify(manifest);
        var previous = await _objects.GetAsync(resource, cancellationToken).ConfigureAwait(false);
        var stored = await _objects.ApplyAsync(manifest, fieldManager, force, cancellationToken).ConfigureAwait(false);
        if (resource.Kind == "Deployment")
        {
            lock (_gate)
            {
                if (previous is not null && !JsonNode.DeepEquals(previous["spec"]?["template"], stored["spec"]?["template"]))
                {
                    RemovePods(resource.Name); // a new template rolls every pod
                }

                Reconcile(resource);
            }
        }

        return stored;
    }

    public Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default) => _objects.GetAsync(resource, cancellationToken);

    public Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (resource.Kind == "Pod")
            {
                if (!_pods.Remove(resource.Name, out var pod))
                {
                    return Task.FromResult(false);
                }

                pod.Dispose();
                Reconcile(new ResourceRef("apps/v1", "Deployment", resource.Namespace, pod.Deployment)); // the ReplicaSet replaces it
                return Task.FromResult(true);
            }

            if (resource.Kind == "Deployment")
            {
                RemovePods(resource.Name);
            }
        }

        return _objects.DeleteAsync(resource, cancellationToken);
    }

    public Task<IReadOnlyList<ResourceRef>> ListAsync(string apiVersion, string kind, string @namespace, string labelSelector, CancellationToken cancellationToken = default) =>
        _objects.ListAsync(apiVersion, kind, @namespace, labelSelector, cancellationToken);

    public async IAsyncEnumerable<IReadOnlyList<PodStatusSnapshot>> WatchPodsAsync(
        string @namespace, string labelSelector, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var service = labelSelector.Split(',').Select(p => p.Split('=')).First(p => p[0] == "kt.dev/service")[1];
        while (!cancellationToken.IsCancellationRequested)
        {
            List<FakePod> pods;
            lock (_gate)
            {
                pods = _pods.Values.Where(p => p.Deployment == service).ToList();
            }

            var snapshots = new List<PodStatusSnapshot>();
            foreach (var pod in pods)
            {
                var ready = await pod.IsReadyAsync().ConfigureAwait(false);
                snapshots.Add(new PodStatusSnapshot(pod.Name, "Running", ready, [], [], []));
            }

            yield return snapshots;
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<PortForwarder> PortForwardAsync(string @namespace, string podName, int podPort, int localPort, CancellationToken cancellationToken = default)
    {
        FakePod pod;
        lock (_gate)
        {
            pod = _pods[podName];
        }

        return Task.FromResult(PortForwarder.Start(localPort, async (local, token) =>
        {
            using var remote = new TcpClient();
            await remote.ConnectAsync(System.Net.IPAddress.Loopback, pod.Port, token).ConfigureAwait(false);
            await PortForwarder.PumpAsync(local, remote.GetStream(), token).ConfigureAwait(false);
        }));
    }

    private void Reconcile(ResourceRef deployment)
    {
        if (!_objects.Objects.TryGetValue(deployment, out var node))
        {
            return;
        }

        var replicas = (int?)node["spec"]?["replicas"] ?? 1;
        var mine = _pods.Values.Where(p => p.Deployment == deployment.Name).ToList();
        // KT_PEER_URL names the service; its Service would route to a running pod, so the fake hands one of those.
        var wantsPeer = node["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().Any(e => (string?)e!["name"] == "KT_PEER_URL");
        var peer = wantsPeer ? mine.FirstOrDefault() : null;
        for (var i = mine.Count; i < replicas; i++)
        {
            var name = $"{deployment.Name}-{Interlocked.Increment(ref _podCounter):x5}";
            _pods[name] = FakePod.Start(name, deployment.Name, Path.Combine(_root, name), TokenFor(deployment, node), peer?.Port);
            Started.Add(name);
        }

        foreach (var extra in mine.Skip(replicas))
        {
            _pods.Remove(extra.Name);
            extra.Dispose();
        }
    }

    private string TokenFor(ResourceRef deployment, JsonObject node)
    {
        var env = node["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        var reference = env.First(e => (string?)e!["name"] == "KT_TOKEN")!["valueFrom"]!["secretKeyRef"]!;
        var secret = _objects.Objects[new ResourceRef("v1", "Secret", deployment.Namespace, (string)reference["name"]!)];
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]![(string)reference["key"]!]!));
    }

    private void RemovePods(string deployment)
    {
        foreach (var pod in _pods.Values.Where(p => p.Deployment == deployment).ToList())
        {
            _pods.Remove(pod.Name);
            pod.Dispose();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var pod in _pods.Values)
            {
                pod.Dispose();
            }

            _pods.Clear();
        }
    }

    /// <summary>One pod: the real runtime, started the way the rendered container would start it.</summary>
    private sealed class FakePod : IDisposable
    {
        private readonly Process _process;
        private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(2) };

        private FakePod(string name, string deployment, Process process, int port)
        {
            Name = name;
            Deployment = deployment;
            _process = process;
            Port = port;
        }

        public string Name { get; }

        public string Deployment { get; }

        public int Port { get; }

        public static FakePod Start(string name, string deployment, string root, string token, int? peerPort)
        {
            Directory.CreateDirectory(root);
            var runtime = PodRuntimeFiles.Locate();
            var portFile = Path.Combine(root, "port");
            var info = new ProcessStartInfo(runtime.DotnetHost) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { runtime.RuntimeAssembly, "--port", "0", "--bind", "127.0.0.1", "--root", Path.Combine(root, "data"), "--port-file", portFile, "--service", deployment, "--pod-name", name })
            {
                info.ArgumentList.Add(arg);
            }

            if (peerPort is { } port)
            {
                info.ArgumentList.Add("--peer");
                info.ArgumentList.Add($"http://127.0.0.1:{port}/");
            }

            info.Environment["KT_TOKEN"] = token;
            var process = Process.Start(info)!;
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!File.Exists(portFile) || new FileInfo(portFile).Length == 0)
            {
                if (process.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException($"fake pod {name} did not start");
                }

                Thread.Sleep(20);
            }

            return new FakePod(name, deployment, process, int.Parse(File.ReadAllText(portFile), System.Globalization.CultureInfo.InvariantCulture));
        }

        public async Task<bool> IsReadyAsync()
        {
            try
            {
                using var answer = await _http.GetAsync(new Uri($"http://127.0.0.1:{Port}/health/ready")).ConfigureAwait(false);
                return answer.IsSuccessStatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            try
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
            }

            _process.Dispose();
            _http.Dispose();
        }
    }
}
