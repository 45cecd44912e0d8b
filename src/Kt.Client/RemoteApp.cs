using System.Net;

namespace Kt.Client;

/// <summary>A command chosen with <c>Remote.App</c>; <see cref="ToAsync"/> deploys and starts it on every pod, and returns once it listens.</summary>
public sealed class RemoteApp
{
    // The runtime's proxy answers 502 with this code while nothing accepts connections on the app's port.
    private const string AppUnreachable = "KT4041";

    internal RemoteApp(string command, int port, TimeSpan? listenTimeout = null)
    {
        Command = command;
        Port = port;
        ListenTimeout = listenTimeout ?? TimeSpan.FromMinutes(2);
    }

    /// <summary>The shell command the pods run in the code folder.</summary>
    public string Command { get; }

    /// <summary>The port the app listens on inside the pod.</summary>
    public int Port { get; }

    /// <summary>How long <see cref="ToAsync"/> waits for the app to listen on every pod (default 2 minutes).</summary>
    public TimeSpan ListenTimeout { get; }

    /// <summary>The same app, waited for at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">The longest wait for the app to listen.</param>
    public RemoteApp WithListenTimeout(TimeSpan timeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        return new RemoteApp(Command, Port, timeout);
    }

    /// <summary>Deploys this program, starts the app on every pod and returns once each pod's app accepts requests (KT7030 when it does not in time).</summary>
    /// <param name="compute">Where the app runs.</param>
    /// <param name="cancellationToken">Cancels the deploy and the wait.</param>
    public async Task<DeployedApp> ToAsync(Compute compute, CancellationToken cancellationToken = default)
    {
        var session = await ServiceSession.AcquireAsync(compute, cancellationToken).ConfigureAwait(false);
        var app = new DeployedApp(session);
        try
        {
            await Task.WhenAll(session.Clients.Select(c => c.SetAppAsync(Command, Port, cancellationToken))).ConfigureAwait(false);
            await Task.WhenAll(session.Pods.Pods.Select(p => WaitListeningAsync(DeployedApp.CreateHttpClient(p), cancellationToken))).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return app;
    }

    private async Task WaitListeningAsync(HttpClient http, CancellationToken cancellationToken)
    {
        using (http)
        {
            var deadline = DateTime.UtcNow + ListenTimeout;
            var pause = TimeSpan.FromMilliseconds(20);
            while (true)
            {
                using (var response = await http.GetAsync("", cancellationToken).ConfigureAwait(false))
                {
                    // Any answer from the app itself, even an error status, means it listens.
                    if (response.StatusCode != HttpStatusCode.BadGateway
                        || !(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Contains(AppUnreachable, StringComparison.Ordinal))
                    {
                        return;
                    }
                }

                if (DateTime.UtcNow >= deadline)
                {
                    throw new KtException(ClientErrors.AppNotListening,
                        $"The app '{Command}' did not listen on port {Port} of {http.BaseAddress} within {ListenTimeout.TotalSeconds:0} s: check its output in the pod's log.");
                }

                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromMilliseconds(Math.Min(pause.TotalMilliseconds * 2, 500));
            }
        }
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

    /// <summary>
    /// An HTTP client for the app, through the first pod's proxy with the service token: paths are the app's own,
    /// with or without a leading slash (<c>GetStringAsync("/hello")</c> reaches the app's <c>/hello</c>); its base
    /// address is the pod's root.
    /// </summary>
    public HttpClient CreateHttpClient() => CreateHttpClient(Session.Pods.Pods[0]);

    internal static HttpClient CreateHttpClient(PodEndpoint pod) => new(new AppRequests(pod)) { BaseAddress = new Uri(pod.Address, "/") };
}
