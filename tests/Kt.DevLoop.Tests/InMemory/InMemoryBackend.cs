using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop.Tests.InMemory;

/// <summary>
/// A backend whose pods are <see cref="InMemoryPod"/>s, and the <see cref="Transport"/> that reaches them by host name.
/// It remembers its pods as the real backends do, so a second deploy finds them (the state the deployer sees is
/// non-fresh, like a user's second publish).
/// </summary>
internal sealed class InMemoryBackend : IComputeBackend
{
    private readonly Dictionary<string, List<InMemoryPod>> _services = new(StringComparer.Ordinal);

    public InMemoryBackend()
    {
        Transport = new Router(this);
    }

    public string Name => "in-memory";

    /// <summary>Give this to the deployer: every pod of this backend answers through it.</summary>
    public HttpMessageHandler Transport { get; }

    public IReadOnlyList<InMemoryPod> PodsOf(string service) => _services[service];

    /// <summary>How many times a deploy asked for the pods (the pods phase).</summary>
    public int Ensured { get; private set; }

    public Task<ServicePods> EnsureAsync(ServiceSpec spec, CancellationToken cancellationToken = default)
    {
        Ensured++;
        var created = 0;
        if (!_services.TryGetValue(spec.Service, out var pods))
        {
            pods = [];
            _services[spec.Service] = pods;
        }

        while (pods.Count < spec.Replicas)
        {
            pods.Add(NewPod(spec.Service, pods.Count));
            created++;
        }

        return Task.FromResult(new ServicePods(spec.Service, Name, [.. pods.Select(Endpoint)], created));
    }

    public Task<ServicePods?> FindAsync(string service, CancellationToken cancellationToken = default) =>
        Task.FromResult(_services.TryGetValue(service, out var pods) ? new ServicePods(service, Name, [.. pods.Select(Endpoint)], 0) : null);

    public Task<PodEndpoint> RecreateAsync(ServiceSpec spec, int rank, CancellationToken cancellationToken = default)
    {
        var pod = NewPod(spec.Service, rank);
        _services[spec.Service][rank] = pod;
        return Task.FromResult(Endpoint(pod, rank));
    }

    public Task<bool> TeardownAsync(string service, CancellationToken cancellationToken = default) => Task.FromResult(_services.Remove(service));

    public LivePlan Adapt(LivePlan plan, ServiceSpec spec, PodEndpoint pod) => plan;

    public void Dispose()
    {
        Transport.Dispose();
        foreach (var pod in _services.Values.SelectMany(p => p))
        {
            pod.Dispose();
        }
    }

    private static InMemoryPod NewPod(string service, int rank) => new($"{service}-{rank}-{Guid.NewGuid().ToString("N")[..6]}", Guid.NewGuid().ToString("N"));

    private static PodEndpoint Endpoint(InMemoryPod pod, int rank) => new(rank, pod.Name, pod.Address, pod.Token);

    private sealed class Router(InMemoryBackend backend) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var pod = backend._services.Values.SelectMany(p => p).FirstOrDefault(p => p.Address.Host == request.RequestUri!.Host)
                ?? throw new HttpRequestException($"No in-memory pod answers at {request.RequestUri!.Host}.");
            using var invoker = new HttpMessageInvoker(pod, disposeHandler: false);
            return await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
    }
}
