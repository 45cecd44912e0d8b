namespace Kt.Client;

/// <summary>
/// The seam between this small client and the deploy side (<c>Kt.Client.Deploy</c> over the workflows), which a
/// program loads only when it deploys (<see cref="DeploySideLoader"/>): the client passes its own <see cref="Compute"/>
/// and gets back what it calls. Only types of assemblies the app itself carries cross it.
/// </summary>
internal interface IDeploySide
{
    /// <summary>Brings the compute's service to this program's build output and keeps the backend open.</summary>
    /// <param name="compute">Where and what to deploy.</param>
    /// <param name="codeDirectory">The folder the pods serve: this program's build output.</param>
    /// <param name="progress">The deploy's lines (phases, summary), one at a time.</param>
    /// <param name="cancellationToken">Cancels the deploy.</param>
    Task<IDeployment> DeployAsync(Compute compute, string codeDirectory, Action<string> progress, CancellationToken cancellationToken);
}

/// <summary>One deploy from a program: what it did, and the backend (on Kubernetes its port-forwards) until disposed.</summary>
internal interface IDeployment : IDisposable
{
    DeployReport Report { get; }

    /// <summary>Removes every pod of the service.</summary>
    Task TeardownAsync(CancellationToken cancellationToken);
}
