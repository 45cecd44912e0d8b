using System.Net.Http.Headers;

namespace Kt.Client;

/// <summary>A command chosen with <c>Remote.App</c>; <see cref="ToAsync"/> deploys and starts it on every pod.</summary>
public sealed class RemoteApp
{
    internal RemoteApp(string command, int port)
    {
        Command = command;
        Port = port;
    }

    public string Command { get; }

    public int Port { get; }

    public async Task<DeployedApp> ToAsync(Compute compute, CancellationToken cancellationToken = default)
    {
        var session = await ServiceSession.DeployAsync(compute, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(session.Clients.Select(c => c.SetAppAsync(Command, Port, cancellationToken))).ConfigureAwait(false);
        return new DeployedApp(session);
    }
}

/// <summary>An app running on a service's pods, reached through the first pod's authenticated proxy.</summary>
public sealed class DeployedApp : DeployedService
{
    internal DeployedApp(ServiceSession session)
        : base(session)
    {
    }

    /// <summary>The proxy's base address: <c>{pod}/http/</c>; a path under it reaches the app.</summary>
    public Uri ProxyAddress => new(Endpoint, "http/");

    /// <summary>An HTTP client whose base address is the proxy and which sends the service token.</summary>
    public HttpClient CreateHttpClient()
    {
        var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = ProxyAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Session.Pods.Pods[0].Token);
        return client;
    }
}
