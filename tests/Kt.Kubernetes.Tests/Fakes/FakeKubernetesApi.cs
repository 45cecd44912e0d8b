using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Kt.Kubernetes;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Validation;

namespace Kt.Kubernetes.Tests.Fakes;

/// <summary>
/// A FAKE <see cref="IKubernetesApi"/>: no Kubernetes API server can run on the machines these tests run on, so
/// this in-memory stand-in plays one. It is strict where a real v1.32 server is: every apply runs the schema
/// validator and an invalid manifest fails with the server's answer for server-side apply (HTTP 500 "field not
/// declared in schema", mapped by <see cref="ApiErrors"/>). Pod status is scripted: each call to
/// <see cref="WatchPodsAsync"/> plays the next scripted sequence of snapshots, then waits (nothing else happens)
/// until cancelled. The real path is exercised by tests/kind/run-kind-e2e.sh on a kind cluster.
/// </summary>
internal sealed class FakeKubernetesApi(ManifestValidator validator) : IKubernetesApi
{
    private readonly Dictionary<ResourceRef, JsonObject> store = [];
    private readonly Queue<IReadOnlyList<IReadOnlyList<PodStatusSnapshot>>> podScripts = new();

    public List<(ResourceRef Resource, string FieldManager, bool Force)> Applies { get; } = [];

    public IReadOnlyDictionary<ResourceRef, JsonObject> Objects => store;

    /// <summary>Queues the snapshots the next pod watch will report, in order.</summary>
    public void ScriptPods(params IReadOnlyList<PodStatusSnapshot>[] observations) => podScripts.Enqueue(observations);

    public Task<JsonObject> ApplyAsync(object manifest, string fieldManager = "kt", bool force = true, CancellationToken cancellationToken = default)
    {
        var resource = ManifestJson.Identify(manifest);
        var problems = validator.Validate(manifest);
        if (problems.Count > 0)
        {
            var body = $"failed to create typed patch object ({resource}): {string.Join("; ", problems.Select(p => $"{p.Path}: field not declared in schema or invalid: {p.Message}"))}";
            throw ApiErrors.Map(HttpStatusCode.InternalServerError, body, resource);
        }

        var node = ManifestJson.ToNode(manifest);
        if (resource.Kind == "Secret" && node["stringData"] is JsonObject plain)
        {
            // As the API server does: stringData is write-only and is stored base64-encoded under data.
            var data = node["data"] as JsonObject ?? [];
            foreach (var (key, value) in plain)
            {
                data[key] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes((string?)value ?? ""));
            }

            node.Remove("stringData");
            node["data"] = data;
        }

        if (resource.Kind == "Deployment")
        {
            // As if its controller had rolled the template out at once (the protocol fake does it for real).
            var replicas = (int?)node["spec"]?["replicas"] ?? 1;
            node["metadata"]!["generation"] = 1;
            node["status"] = new JsonObject { ["observedGeneration"] = 1, ["replicas"] = replicas, ["updatedReplicas"] = replicas };
        }

        store[resource] = node;
        Applies.Add((resource, fieldManager, force));
        return Task.FromResult((JsonObject)node.DeepClone());
    }

    public Task<JsonObject?> GetAsync(ResourceRef resource, CancellationToken cancellationToken = default) =>
        Task.FromResult(store.TryGetValue(resource, out var node) ? (JsonObject?)node.DeepClone() : null);

    public Task<bool> DeleteAsync(ResourceRef resource, CancellationToken cancellationToken = default) => Task.FromResult(store.Remove(resource));

    public Task<IReadOnlyList<ResourceRef>> ListAsync(string apiVersion, string kind, string @namespace, string labelSelector, CancellationToken cancellationToken = default)
    {
        var required = labelSelector.Split(',').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        IReadOnlyList<ResourceRef> found = store
            .Where(e => e.Key.ApiVersion == apiVersion && e.Key.Kind == kind && e.Key.Namespace == @namespace)
            .Where(e => required.All(r => (string?)e.Value["metadata"]?["labels"]?[r.Key] == r.Value))
            .Select(e => e.Key)
            .ToList();
        return Task.FromResult(found);
    }

    public async IAsyncEnumerable<IReadOnlyList<PodStatusSnapshot>> WatchPodsAsync(
        string @namespace, string labelSelector, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var script = podScripts.Count > 0 ? podScripts.Dequeue() : [];
        foreach (var observation in script)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return observation;
        }

        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    public Task<PortForwarder> PortForwardAsync(string @namespace, string podName, int podPort, int localPort, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The fake has no pods to forward to.");
}
