using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Kt.FakeKubeApi;

public sealed partial class FakeApiServer
{
    private const string NodeName = "kt-fake-node";
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(1) };
    private int _eventCounter;

    /// <summary>The last exception a controller pass threw (a fake bug shows here instead of vanishing).</summary>
    public Exception? ControllerError { get; private set; }

    /// <summary>
    /// The controllers: every 50 ms the Deployment controller reconciles pods (rolling update: new pods first, old
    /// ones deleted once the new ones are ready, or at once when they are not ready anyway), the scheduler and kubelet
    /// move each pod on, and Deployment status follows (observedGeneration, replicas, updatedReplicas, readyReplicas).
    /// </summary>
    private async Task RunControllersAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await ReconcileAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    ControllerError = e;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // disposed
        }
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        List<PodState> pods;
        lock (_gate)
        {
            ReconcileDeployments();
            ReconcileStatefulSets();
            pods = [.. _pods.Values];
        }

        foreach (var pod in pods)
        {
            await StepPodAsync(pod, cancellationToken).ConfigureAwait(false);
        }

        lock (_gate)
        {
            UpdateDeploymentStatus();
        }
    }

    private IEnumerable<(JsonObject Deployment, string Uid)> Deployments() =>
        _objects.Where(o => o.Key.ApiVersion == "apps/v1" && o.Key.Plural == "deployments")
            .Select(o => (o.Value.Object, (string)o.Value.Object["metadata"]!["uid"]!));

    private bool Terminating(PodState pod) =>
        _objects.TryGetValue(("v1", "pods", pod.Namespace, pod.Name), out var stored) && stored.Object["metadata"]?["deletionTimestamp"] is not null;

    private void ReconcileDeployments()
    {
        var owners = Deployments().Concat(StatefulSets()).Select(d => d.Uid).ToHashSet(StringComparer.Ordinal);
        foreach (var orphan in _pods.Values.Where(p => !owners.Contains(p.OwnerUid)).ToList())
        {
            MarkDeleted(orphan); // garbage collection (background propagation)
        }

        foreach (var (deployment, uid) in Deployments().ToList())
        {
            var hash = TemplateHash(deployment);
            var replicas = (int?)deployment["spec"]?["replicas"] ?? 1;
            var active = _pods.Values.Where(p => p.OwnerUid == uid && !Terminating(p)).ToList();
            var current = active.Where(p => p.TemplateHash == hash).ToList();
            for (var i = current.Count; i < replicas; i++)
            {
                var name = $"{deployment["metadata"]!["name"]}-{hash}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))[..5]}";
                current.Add(CreatePod(deployment, uid, hash, name, ("ReplicaSet", $"{deployment["metadata"]!["name"]}-{hash}"), new() { ["pod-template-hash"] = hash }));
            }

            foreach (var extra in current.Skip(replicas).ToList())
            {
                MarkDeleted(extra);
                current.Remove(extra);
            }

            var newReady = current.Count(p => p.Ready);
            foreach (var old in active.Where(p => p.TemplateHash != hash && (newReady >= replicas || !p.Ready)))
            {
                MarkDeleted(old);
            }
        }
    }

    private void UpdateDeploymentStatus()
    {
        UpdateStatefulSetStatus();
        foreach (var (deployment, uid) in Deployments().ToList())
        {
            var hash = TemplateHash(deployment);
            var active = _pods.Values.Where(p => p.OwnerUid == uid && !Terminating(p)).ToList();
            var ready = active.Count(p => p.Ready);
            var replicas = (int?)deployment["spec"]?["replicas"] ?? 1;
            var status = new JsonObject
            {
                ["observedGeneration"] = (long?)deployment["metadata"]?["generation"] ?? 1,
                ["replicas"] = active.Count,
                ["updatedReplicas"] = active.Count(p => p.TemplateHash == hash),
                ["readyReplicas"] = ready,
                ["availableReplicas"] = ready,
            };
            if (replicas > ready)
            {
                status["unavailableReplicas"] = replicas - ready;
            }

            if (!JsonNode.DeepEquals(deployment["status"], status))
            {
                deployment["status"] = status;
                deployment["metadata"]!["resourceVersion"] = NextVersion();
            }
        }
    }

    /// <summary>A pod of <paramref name="workload"/>'s template, owned by <paramref name="owner"/> (its ReplicaSet, or the StatefulSet itself).</summary>
    private PodState CreatePod(JsonObject workload, string ownerUid, string hash, string name, (string Kind, string Name) owner, Dictionary<string, string> extraLabels)
    {
        var metadata = workload["metadata"]!;
        var ns = (string)metadata["namespace"]!;
        var template = workload["spec"]!["template"]!;
        var labels = (template["metadata"]?["labels"] as JsonObject)?.DeepClone() as JsonObject ?? [];
        foreach (var (key, value) in extraLabels)
        {
            labels[key] = value;
        }

        var pod = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Pod",
            ["metadata"] = new JsonObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["uid"] = Guid.NewGuid().ToString(),
                ["resourceVersion"] = NextVersion(),
                ["creationTimestamp"] = Now(),
                ["labels"] = labels,
                ["annotations"] = template["metadata"]?["annotations"]?.DeepClone(),
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = "apps/v1",
                    ["kind"] = owner.Kind,
                    ["name"] = owner.Name,
                    ["uid"] = ownerUid,
                    ["controller"] = true,
                }),
            },
            ["spec"] = template["spec"]!.DeepClone(),
        };
        var state = new PodState(ns, name, ownerUid, hash);
        pod["status"] = state.RenderStatus(ContainerName(pod), Image(pod));
        _objects[("v1", "pods", ns, name)] = new StoredObject(pod);
        _pods[(ns, name)] = state;
        PodsCreated.Add(name);
        return state;
    }

    private void MarkDeleted(PodState pod)
    {
        if (_objects.TryGetValue(("v1", "pods", pod.Namespace, pod.Name), out var stored))
        {
            stored.Object["metadata"]!["deletionTimestamp"] ??= Now();
        }
    }

    /// <summary>One step of the scheduler and kubelet for one pod (outside the lock: starting and probing take time).</summary>
    private async Task StepPodAsync(PodState pod, CancellationToken cancellationToken)
    {
        JsonObject snapshot;
        lock (_gate)
        {
            if (!_objects.TryGetValue(("v1", "pods", pod.Namespace, pod.Name), out var stored))
            {
                _pods.Remove((pod.Namespace, pod.Name));
                return;
            }

            snapshot = (JsonObject)stored.Object.DeepClone();
        }

        if (snapshot["metadata"]?["deletionTimestamp"] is not null)
        {
            if (!pod.Stopping)
            {
                pod.Stopping = true;
                Event(pod, "Killing", $"Stopping container {ContainerName(snapshot)}", "Normal", "kubelet");
                await pod.StopAsync().ConfigureAwait(false);
                lock (_gate)
                {
                    _objects.Remove(("v1", "pods", pod.Namespace, pod.Name));
                    _pods.Remove((pod.Namespace, pod.Name));
                }
            }

            return;
        }

        var container = snapshot["spec"]!["containers"]![0]!.AsObject();
        if (!pod.Scheduled)
        {
            Schedule(pod, snapshot, container);
        }
        else if (pod.Process is null)
        {
            Start(pod, snapshot, container, cancellationToken);
        }
        else
        {
            await RunAsync(pod, container).ConfigureAwait(false);
        }

        lock (_gate)
        {
            if (_objects.TryGetValue(("v1", "pods", pod.Namespace, pod.Name), out var stored) && stored.Object["metadata"]?["deletionTimestamp"] is null)
            {
                var status = pod.RenderStatus(ContainerName(snapshot), Image(snapshot));
                if (!JsonNode.DeepEquals(stored.Object["status"], status))
                {
                    stored.Object["status"] = status;
                    stored.Object["spec"]!["nodeName"] = pod.Scheduled ? NodeName : null;
                    stored.Object["metadata"]!["resourceVersion"] = NextVersion();
                }
            }
        }
    }

    private void Schedule(PodState pod, JsonObject snapshot, JsonObject container)
    {
        var gpus = int.TryParse((string?)container["resources"]?["requests"]?["nvidia.com/gpu"] ?? container["resources"]?["requests"]?["nvidia.com/gpu"]?.ToJsonString(), out var wanted) ? wanted : 0;
        var selector = snapshot["spec"]?["nodeSelector"] as JsonObject;
        var reason = gpus > NodeGpus ? "1 Insufficient nvidia.com/gpu"
            : selector is { Count: > 0 } && selector.Any(kv => kv.Key != "kubernetes.io/os" || (string?)kv.Value != "linux") ? "1 node(s) didn't match Pod's node affinity/selector"
            : null;
        if (reason is not null)
        {
            pod.UnschedulableMessage = $"0/1 nodes are available: {reason}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";
            Event(pod, "FailedScheduling", pod.UnschedulableMessage, "Warning", "default-scheduler");
            return;
        }

        pod.Scheduled = true;
        pod.UnschedulableMessage = null;
        Event(pod, "Scheduled", $"Successfully assigned {pod.Namespace}/{pod.Name} to {NodeName}", "Normal", "default-scheduler");
    }

    private void Start(PodState pod, JsonObject snapshot, JsonObject container, CancellationToken cancellationToken)
    {
        if (pod.Starting is { } starting)
        {
            if (!starting.IsCompleted)
            {
                return;
            }

            pod.Starting = null;
            if (starting.IsCompletedSuccessfully)
            {
                pod.Process = starting.Result;
                (pod.WaitingReason, pod.WaitingMessage) = (null, null);
                Event(pod, "Started", $"Started container {ContainerName(snapshot)}", "Normal", "kubelet");
            }
            else
            {
                pod.RestartCount++;
                (pod.WaitingReason, pod.WaitingMessage) = ("CrashLoopBackOff", $"back-off restarting failed container: {starting.Exception?.InnerException?.Message}");
                Event(pod, "BackOff", "Back-off restarting failed container", "Warning", "kubelet");
            }

            return;
        }

        if (pod.WaitingReason == "CrashLoopBackOff")
        {
            return;
        }

        if (TransientMountFailure is { } transient && !pod.MountSynced)
        {
            // As a kubelet whose configmap cache sync timed out once: the event, then (once a client has looked) success.
            if (pod.EventsListed && TransientMountClears)
            {
                pod.MountSynced = true;
            }
            else
            {
                (pod.WaitingReason, pod.WaitingMessage) = ("ContainerCreating", null);
                Event(pod, "FailedMount", transient, "Warning", "kubelet");
                return;
            }
        }

        foreach (var volume in (snapshot["spec"]?["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (volume["secret"] is JsonObject secret && (bool?)secret["optional"] != true && !SecretExists(pod.Namespace, (string?)secret["secretName"]))
            {
                (pod.WaitingReason, pod.WaitingMessage) = ("ContainerCreating", null);
                Event(pod, "FailedMount", $"MountVolume.SetUp failed for volume \"{volume["name"]}\" : secret \"{secret["secretName"]}\" not found", "Warning", "kubelet");
                return;
            }
        }

        var image = Image(snapshot);
        if (CannotPull(image))
        {
            var first = pod.WaitingReason != "ErrImagePull";
            (pod.WaitingReason, pod.WaitingMessage) = first
                ? ("ErrImagePull", $"failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\": not found")
                : ("ImagePullBackOff", $"Back-off pulling image \"{image}\"");
            Event(pod, first ? "Failed" : "BackOff", first ? $"Failed to pull image \"{image}\": not found" : $"Back-off pulling image \"{image}\"", "Warning", "kubelet");
            return;
        }

        if (!TryResolveEnvironment(pod, snapshot, container, out var environment, out var missing))
        {
            (pod.WaitingReason, pod.WaitingMessage) = ("CreateContainerConfigError", missing);
            Event(pod, "Failed", $"Error: {missing}", "Warning", "kubelet");
            return;
        }

        (pod.WaitingReason, pod.WaitingMessage) = ("ContainerCreating", null);
        pod.Starting = _podHost is null
            ? Task.FromResult<IPodProcess>(new NoProcess())
            : _podHost.StartAsync(new PodLaunch(pod.Namespace, pod.Name, container, environment, this), cancellationToken);
    }

    private async Task RunAsync(PodState pod, JsonObject container)
    {
        if (pod.Process!.HasExited)
        {
            pod.Ready = false;
            pod.RestartCount++;
            (pod.WaitingReason, pod.WaitingMessage) = ("CrashLoopBackOff", "back-off restarting failed container");
            await pod.Process.DisposeAsync().ConfigureAwait(false);
            pod.Process = null;
            return;
        }

        if (DateTime.UtcNow < pod.NextProbe)
        {
            return;
        }

        var probe = container["readinessProbe"]?["httpGet"];
        if (probe is null || pod.Process is NoProcess)
        {
            pod.Ready = true;
            return;
        }

        var port = int.Parse(probe["port"]!.ToJsonString().Trim('"'), CultureInfo.InvariantCulture);
        try
        {
            using var answer = await Probe.GetAsync(new Uri($"http://127.0.0.1:{pod.Process.PortFor(port)}{(string?)probe["path"] ?? "/"}")).ConfigureAwait(false);
            pod.Ready = answer.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            pod.Ready = false;
        }

        // Probed often until ready (as if the period were short), then at a relaxed pace.
        pod.NextProbe = DateTime.UtcNow.AddMilliseconds(pod.Ready ? 500 : 100);
    }

    private bool SecretExists(string @namespace, string? name)
    {
        lock (_gate)
        {
            return name is not null && _objects.ContainsKey(("v1", "secrets", @namespace, name));
        }
    }

    /// <summary>The container's environment as the kubelet resolves it; false with the kubelet's message when a Secret or key is missing.</summary>
    private bool TryResolveEnvironment(PodState pod, JsonObject snapshot, JsonObject container, out Dictionary<string, string> environment, out string? missing)
    {
        environment = new Dictionary<string, string>(StringComparer.Ordinal);
        missing = null;
        lock (_gate)
        {
            foreach (var source in (container["envFrom"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (source["secretRef"]?["name"] is { } secretName)
                {
                    if (!_objects.TryGetValue(("v1", "secrets", pod.Namespace, (string)secretName!), out var secret))
                    {
                        missing = $"secret \"{secretName}\" not found";
                        return false;
                    }

                    foreach (var (key, value) in secret.Object["data"] as JsonObject ?? [])
                    {
                        environment[key] = Encoding.UTF8.GetString(Convert.FromBase64String((string)value!));
                    }
                }
            }

            foreach (var variable in (container["env"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var name = (string)variable["name"]!;
                if (variable["value"] is { } value)
                {
                    environment[name] = (string)value!;
                }
                else if (variable["valueFrom"]?["secretKeyRef"] is JsonObject reference)
                {
                    var secretName = (string)reference["name"]!;
                    if (!_objects.TryGetValue(("v1", "secrets", pod.Namespace, secretName), out var secret))
                    {
                        missing = $"secret \"{secretName}\" not found";
                        return false;
                    }

                    if (secret.Object["data"]?[(string)reference["key"]!] is not { } encoded)
                    {
                        missing = $"couldn't find key {reference["key"]} in Secret {pod.Namespace}/{secretName}";
                        return false;
                    }

                    environment[name] = Encoding.UTF8.GetString(Convert.FromBase64String((string)encoded!));
                }
                else if (variable["valueFrom"]?["fieldRef"]?["fieldPath"] is { } field)
                {
                    var path = (string?)field ?? "";
                    environment[name] = path switch
                    {
                        "metadata.name" => pod.Name,
                        "metadata.namespace" => pod.Namespace,
                        // metadata.labels['apps.kubernetes.io/pod-index'] (a StatefulSet rank)
                        _ when path.StartsWith("metadata.labels['", StringComparison.Ordinal) =>
                            (string?)snapshot["metadata"]?["labels"]?[path["metadata.labels['".Length..^2]] ?? "",
                        _ => (string?)snapshot["status"]?["podIP"] ?? "",
                    };
                }
            }
        }

        return true;
    }

    /// <summary>
    /// The loopback address behind an in-cluster service URL (<c>http://svc.ns.svc.cluster.local:port/</c>): a ready
    /// pod the Service selects, at the port its target port is mapped to; null when no ready pod backs it.
    /// </summary>
    public Uri? ResolveServiceUrl(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var parts = url.Host.Split('.');
        var ns = parts.Length > 1 ? parts[1] : "default";
        lock (_gate)
        {
            if (!_objects.TryGetValue(("v1", "services", ns, parts[0]), out var service))
            {
                return null;
            }

            var ports = service.Object["spec"]?["ports"] as JsonArray ?? [];
            var entry = ports.FirstOrDefault(p => (int?)p?["port"] == url.Port) ?? ports.FirstOrDefault();
            var target = (int?)entry?["targetPort"] ?? (int?)entry?["port"] ?? url.Port;
            var selector = service.Object["spec"]?["selector"] as JsonObject;
            var backend = _pods.Values.FirstOrDefault(p => p.Ready && p.Process is not null && !Terminating(p)
                && Selectors.MatchesAll(_objects[("v1", "pods", p.Namespace, p.Name)].Object, selector));
            return backend is null ? null : new Uri($"http://127.0.0.1:{backend.Process!.PortFor(target)}{url.PathAndQuery}");
        }
    }

    /// <summary>Records an event about a pod; a repeat of the same reason and message raises its count, as the event recorder does.</summary>
    private void Event(PodState pod, string reason, string message, string type, string component)
    {
        lock (_gate)
        {
            var existing = _objects.Values.Select(o => o.Object).FirstOrDefault(e => (string?)e["kind"] == "Event"
                && (string?)e["involvedObject"]?["name"] == pod.Name && (string?)e["reason"] == reason && (string?)e["message"] == message);
            if (existing is not null)
            {
                existing["count"] = ((int?)existing["count"] ?? 1) + 1;
                existing["lastTimestamp"] = Now();
                return;
            }

            var name = $"{pod.Name}.{Interlocked.Increment(ref _eventCounter):x8}";
            _objects[("v1", "events", pod.Namespace, name)] = new StoredObject(new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "Event",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = pod.Namespace, ["resourceVersion"] = NextVersion() },
                ["involvedObject"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Pod", ["name"] = pod.Name, ["namespace"] = pod.Namespace },
                ["reason"] = reason,
                ["message"] = message,
                ["type"] = type,
                ["count"] = 1,
                ["firstTimestamp"] = Now(),
                ["lastTimestamp"] = Now(),
                ["source"] = new JsonObject { ["component"] = component },
            });
        }
    }

    private static string TemplateHash(JsonObject deployment) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(deployment["spec"]?["template"]?.ToJsonString() ?? "")))[..10];

    private static string ContainerName(JsonObject pod) => (string?)pod["spec"]?["containers"]?[0]?["name"] ?? "main";

    private static string Image(JsonObject pod) => (string?)pod["spec"]?["containers"]?[0]?["image"] ?? "";

    /// <summary>Without a pod host, a container "runs" with nothing behind its ports (objects and status only).</summary>
    private sealed class NoProcess : IPodProcess
    {
        public bool HasExited => false;

        public int PortFor(int containerPort) => 1;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
