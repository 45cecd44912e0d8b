using System.Collections.Concurrent;
using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.PodRuntime.Client;

namespace Kt.Client;

/// <summary>
/// One deployed service seen from this program: deployed once per <see cref="Compute"/> per process (later fn/cls/app
/// on the same compute share it), with a client per pod and each call's output printed live, prefixed by the pod.
/// </summary>
internal sealed class ServiceSession
{
    private static readonly ConcurrentDictionary<Compute, Lazy<Task<ServiceSession>>> Sessions = new();
    private readonly Compute _compute;
    private readonly IComputeBackend _backend;
    private int _next = -1;

    private ServiceSession(Compute compute, DeployReport report, IComputeBackend backend)
    {
        _compute = compute;
        _backend = backend;
        Report = report;
        Clients = report.Pods.Pods.Select(p => new PodClient(p.Address, p.Token)).ToArray();
    }

    public DeployReport Report { get; }

    public ServicePods Pods => Report.Pods;

    public IReadOnlyList<PodClient> Clients { get; }

    public static Task<ServiceSession> DeployAsync(Compute compute, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(compute);
        var lazy = Sessions.GetOrAdd(compute, c => new Lazy<Task<ServiceSession>>(() => CreateAsync(c, cancellationToken)));
        var task = lazy.Value;
        if (task.IsFaulted || task.IsCanceled)
        {
            Sessions.TryRemove(new KeyValuePair<Compute, Lazy<Task<ServiceSession>>>(compute, lazy)); // a failed deploy is retried next time
        }

        return task;
    }

    private static async Task<ServiceSession> CreateAsync(Compute compute, CancellationToken cancellationToken)
    {
        // The backend lives as long as the session: on Kubernetes it holds the port-forwards the calls go through.
        var backend = ComputeBackends.Create(compute.Backend, compute.Namespace, cluster: compute.Cluster);
        try
        {
            var deployer = new ServiceDeployer(backend, line => Console.Error.WriteLine("kt: " + line));
            var report = await deployer.DeployAsync(new DeployRequest
            {
                Service = compute.ToServiceSpec(),
                Image = compute.ImageDefinition(),
                ProjectDirectory = compute.ProjectDirectory ?? Environment.CurrentDirectory,
                // The very build output this program runs from: the same assemblies run on both sides.
                CodeDirectory = AppContext.BaseDirectory,
            }, cancellationToken).ConfigureAwait(false);
            return new ServiceSession(compute, report, backend);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    public Task<T?> CallOneAsync<T>(Func<PodClient, CallOptions, CancellationToken, Task<T?>> call, CancellationToken cancellationToken)
    {
        var rank = (int)((uint)Interlocked.Increment(ref _next) % (uint)Clients.Count);
        return call(Clients[rank], OptionsFor(rank), cancellationToken);
    }

    public Task<IReadOnlyList<T?>> CallAllAsync<T>(Func<PodClient, CallOptions, CancellationToken, Task<T?>> call, CancellationToken cancellationToken) =>
        new SpmdClient(Clients).BroadcastAsync((client, rank, ct) => call(client, OptionsFor(rank), ct), cancellationToken: cancellationToken);

    public async Task TeardownAsync(CancellationToken cancellationToken)
    {
        await _backend.TeardownAsync(Pods.Service, cancellationToken).ConfigureAwait(false);
        Sessions.TryRemove(_compute, out _);
        _backend.Dispose();
    }

    private CallOptions OptionsFor(int rank)
    {
        var pod = Pods.Pods[rank].Name;
        return new CallOptions
        {
            OnLog = line =>
            {
                if (line.End || line.Line is null)
                {
                    return;
                }

                (line.Stream == "stderr" ? Console.Error : Console.Out).WriteLine($"[{pod}] {line.Line}");
            },
        };
    }
}
