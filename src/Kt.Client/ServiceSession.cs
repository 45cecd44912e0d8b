using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Kt.PodRuntime.Client;

namespace Kt.Client;

/// <summary>
/// One deployed service seen from this program: deployed once per <see cref="Compute"/> per process (later fn/cls/app
/// on the same compute share it), with a client per pod and each call's output printed live, prefixed by the pod.
/// Every deployed fn/cls/app holds a lease; the last one released closes the clients and the backend (port-forwards)
/// and forgets the session, so a later ToAsync connects afresh (the pods keep running).
/// </summary>
internal sealed class ServiceSession
{
    private static readonly ConcurrentDictionary<Compute, Lazy<Task<ServiceSession>>> Sessions = new();
    private readonly Compute _compute;
    private readonly IDeployment _deployment;
    private readonly Lock _gate = new();
    private int _next = -1;
    private int _leases;
    private bool _closed;

    private ServiceSession(Compute compute, IDeployment deployment)
    {
        _compute = compute;
        _deployment = deployment;
        Report = deployment.Report;
        Clients = Report.Pods.Pods.Select(p => new PodClient(p.Address, p.Token)).ToArray();
    }

    public DeployReport Report { get; }

    public ServicePods Pods => Report.Pods;

    public IReadOnlyList<PodClient> Clients { get; }

    private static Task<ServiceSession> DeployAsync(Compute compute, CancellationToken cancellationToken)
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

    /// <summary>The compute's session with one more lease on it (a session closing meanwhile is replaced).</summary>
    public static async Task<ServiceSession> AcquireAsync(Compute compute, CancellationToken cancellationToken)
    {
        while (true)
        {
            var session = await DeployAsync(compute, cancellationToken).ConfigureAwait(false);
            lock (session._gate)
            {
                if (!session._closed)
                {
                    session._leases++;
                    return session;
                }
            }

            session.Forget();
        }
    }

    /// <summary>Gives back one lease; the last one closes the local connections (never the pods).</summary>
    public void Release()
    {
        lock (_gate)
        {
            if (--_leases > 0 || _closed)
            {
                return;
            }

            _closed = true;
        }

        Close();
    }

    private static async Task<ServiceSession> CreateAsync(Compute compute, CancellationToken cancellationToken)
    {
        // The deploy side is loaded here, on the first deploy, and not before: a program that only builds a Compute
        // loads nothing of it. The deployment lives as long as the session: on Kubernetes it holds the port-forwards.
        // The very build output this program runs from is deployed: the same assemblies run on both sides.
        var deployment = await DeploySideLoader.DeploySide.DeployAsync(compute, AppContext.BaseDirectory,
            line => Console.Error.WriteLine("kt: " + line), cancellationToken).ConfigureAwait(false);
        return new ServiceSession(compute, deployment);
    }

    /// <summary>One call on the next replica (round robin); a user exception from the pod is re-thrown as its own type (<see cref="RemoteFailures"/>).</summary>
    public async Task<T?> CallOneAsync<T>(Func<PodClient, CallOptions, CancellationToken, Task<T?>> call, CancellationToken cancellationToken)
    {
        var rank = (int)((uint)Interlocked.Increment(ref _next) % (uint)Clients.Count);
        try
        {
            return await call(Clients[rank], OptionsFor(rank), cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteException e)
        {
            var thrown = RemoteFailures.ToThrow(e);
            if (ReferenceEquals(thrown, e))
            {
                throw;
            }

            throw thrown;
        }
    }

    /// <summary>
    /// A call whose result streams, on the next replica: elements as the pod produces them; a user exception is re-thrown
    /// as its own type at the element where it happened. Leaving the loop early closes the request, which cancels the
    /// remote iterator.
    /// </summary>
    public async IAsyncEnumerable<T?> StreamOneAsync<T>(Func<PodClient, CallOptions, CancellationToken, IAsyncEnumerable<T?>> call, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var rank = (int)((uint)Interlocked.Increment(ref _next) % (uint)Clients.Count);
        var elements = call(Clients[rank], OptionsFor(rank), cancellationToken).GetAsyncEnumerator(cancellationToken);
        await using (elements.ConfigureAwait(false))
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await elements.MoveNextAsync().ConfigureAwait(false);
                }
                catch (RemoteException e)
                {
                    var thrown = RemoteFailures.ToThrow(e);
                    if (ReferenceEquals(thrown, e))
                    {
                        throw;
                    }

                    throw thrown;
                }

                if (!more)
                {
                    yield break;
                }

                yield return elements.Current;
            }
        }
    }

    /// <summary>The call on every replica at once (<see cref="Broadcast"/>): results in rank order, or an AggregateException naming the failed ranks.</summary>
    /// <param name="call">The call one replica makes, given its pod client and the call's options.</param>
    /// <param name="cancellationToken">Cancels the call on every replica.</param>
    public Task<IReadOnlyList<T?>> CallAllAsync<T>(Func<PodClient, CallOptions, CancellationToken, Task<T?>> call, CancellationToken cancellationToken) =>
        Broadcast.RunAsync(Clients.Count, (rank, ct) => call(Clients[rank], OptionsFor(rank), ct), cancellationToken);

    public async Task TeardownAsync(CancellationToken cancellationToken)
    {
        await _deployment.TeardownAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
        }

        Close();
    }

    private void Close()
    {
        Forget();
        foreach (var client in Clients)
        {
            client.Dispose();
        }

        _deployment.Dispose();
    }

    /// <summary>Removes this session from the cache (only this one: a newer session of the compute stays).</summary>
    private void Forget()
    {
        if (Sessions.TryGetValue(_compute, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && ReferenceEquals(lazy.Value.Result, this))
        {
            Sessions.TryRemove(new KeyValuePair<Compute, Lazy<Task<ServiceSession>>>(_compute, lazy));
        }
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
