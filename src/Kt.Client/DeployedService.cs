using Kt.DevLoop;

namespace Kt.Client;

/// <summary>What every deployed fn, cls and app offers: where it runs, and its teardown.</summary>
public abstract class DeployedService : IDisposable
{
    private protected DeployedService(ServiceSession session) => Session = session;

    internal ServiceSession Session { get; }

    /// <summary>The service's pods, in rank order.</summary>
    public ServicePods Pods => Session.Pods;

    /// <summary>The first pod's runtime address.</summary>
    public Uri Endpoint => Session.Pods.Pods[0].Address;

    /// <summary>What the deploy did and how long each phase took.</summary>
    public DeployReport Report => Session.Report;

    /// <summary>Removes every pod of the service (the same as <c>dotnet build -t:KtTeardown</c>).</summary>
    public Task TeardownAsync(CancellationToken cancellationToken = default) => Session.TeardownAsync(cancellationToken);

    public void Dispose()
    {
        // The pods outlive this object on purpose (the next run finds them); only local connections are released.
        GC.SuppressFinalize(this);
    }
}
