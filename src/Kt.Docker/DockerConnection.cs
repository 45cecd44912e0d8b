using Docker.DotNet;
using Kt.Core;

namespace Kt.Docker;

/// <summary>
/// An open, version-negotiated connection to one Docker engine. Every request goes to <c>/v{ApiVersion}/…</c>.
/// <see cref="DockerEngine"/> and <see cref="DockerContainers"/> share one connection; dispose it when done.
/// </summary>
public sealed class DockerConnection : IDisposable
{
    internal DockerConnection(DockerClient client, Uri endpoint, Version apiVersion, EngineInfo engine)
    {
        Client = client;
        Endpoint = endpoint;
        ApiVersion = apiVersion;
        Engine = engine;
    }

    /// <summary>The underlying Docker.DotNet client, pinned to <see cref="ApiVersion"/> (for callers that need more).</summary>
    public DockerClient Client { get; }

    /// <summary>The endpoint this connection talks to.</summary>
    public Uri Endpoint { get; }

    /// <summary>The negotiated API version.</summary>
    public Version ApiVersion { get; }

    /// <summary>What the engine reported when the connection was made.</summary>
    public EngineInfo Engine { get; }

    /// <summary>Opens a connection using DOCKER_HOST / DOCKER_API_VERSION from the environment.</summary>
    public static Task<DockerConnection> ConnectAsync(CancellationToken cancellationToken = default) =>
        DockerEngineConnector.ConnectAsync(DockerConnectOptions.FromEnvironment(), cancellationToken);

    /// <inheritdoc />
    public void Dispose() => Client.Dispose();
}
