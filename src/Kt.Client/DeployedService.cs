
namespace Kt.Client;

/// <summary>
/// What every deployed fn, cls and app offers: where it runs, and its teardown. Disposing it releases this program's
/// connections to the pods (clients, port-forwards) once no other fn, cls or app of the same compute uses them; the
/// pods keep running for the next run (<see cref="TeardownAsync"/> removes them).
/// </summary>
public abstract class DeployedService : IAsyncDisposable, IDisposable
{
    private int _released;

    private protected DeployedService(ServiceSession session) => Session = session;

    internal ServiceSession Session { get; }

    /// <summary>The service's pods, in rank order.</summary>
    public ServicePods Pods => Session.Pods;

    /// <summary>The first pod's runtime address.</summary>
    public Uri Endpoint => Session.Pods.Pods[0].Address;

    /// <summary>What the deploy did and how long each phase took.</summary>
    public DeployReport Report => Session.Report;

    /// <summary>Removes every pod of the service (the same as <c>dotnet build -t:KtTeardown</c>).</summary>
    /// <param name="cancellationToken">Cancels the teardown.</param>
    public Task TeardownAsync(CancellationToken cancellationToken = default) => Session.TeardownAsync(cancellationToken);

    /// <summary>Releases this program's connections to the pods when nothing else of this compute uses them; the pods keep running.</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Releases this program's connections to the pods when nothing else of this compute uses them; the pods keep running.</summary>
    public void Dispose()
    {
        // Releasing a connection is local and immediate (no request goes to the pods): one body serves both forms.
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            Session.Release();
        }

        GC.SuppressFinalize(this);
    }
}
