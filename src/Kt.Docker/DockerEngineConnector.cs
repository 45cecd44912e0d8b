using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;
using Kt.Core;

namespace Kt.Docker;

/// <summary>
/// Connects to an engine in two steps: an unversioned <c>GET /version</c> (which every engine answers with its own
/// newest API version and its minimum), then a client pinned to the negotiated version.
/// </summary>
/// <remarks>
/// Docker.DotNet.Enhanced sends unversioned paths when no API version is configured on its builder, and
/// <c>/v{version}/…</c> paths once <see cref="DockerClientBuilder.WithApiVersion"/> is set; Kt uses the first kind
/// only for the probe.
/// </remarks>
public static class DockerEngineConnector
{
    /// <summary>Resolves the endpoint, probes the engine, negotiates the API version and returns a pinned connection.</summary>
    /// <exception cref="KtException">KT3001 when no engine answers, KT3002 when versions do not overlap, KT3003 for bad settings.</exception>
    public static async Task<DockerConnection> ConnectAsync(DockerConnectOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = options.Endpoint;
        var probe = await ProbeAsync(endpoint, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);

        var engineMaximum = ApiVersionNegotiator.ParseOrNull(probe.APIVersion, $"engine ApiVersion at {endpoint}")
            ?? throw new KtException(DockerErrorCodes.EngineUnreachable,
                $"the service at {endpoint} answered /version without an ApiVersion; it does not look like a Docker engine.");
        var engineMinimum = ApiVersionNegotiator.ParseOrNull(probe.MinAPIVersion, $"engine MinAPIVersion at {endpoint}");
        var apiVersion = ApiVersionNegotiator.Negotiate(engineMaximum, engineMinimum, options.ForcedApiVersion, endpoint.ToString());

        var client = new DockerClientBuilder().WithEndpoint(endpoint).WithApiVersion(apiVersion).Build();
        var info = new EngineInfo(ApiVersionNegotiator.Format(apiVersion), probe.Os ?? "", probe.Arch ?? "", probe.Version ?? "");
        return new DockerConnection(client, endpoint, apiVersion, info);
    }

    private static async Task<VersionResponse> ProbeAsync(Uri endpoint, TimeSpan timeout, CancellationToken cancellationToken)
    {
        DockerClient client;
        try
        {
            client = new DockerClientBuilder().WithEndpoint(endpoint).Build();
        }
        catch (Exception ex) when (ex is SshDockerEndpointNotSupportedException or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            throw new KtException(DockerErrorCodes.InvalidConfiguration, $"cannot use Docker endpoint {endpoint}: {ex.Message}", ex);
        }

        using (client)
        using (var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeoutSource.CancelAfter(timeout);
            try
            {
                return await client.System.GetVersionAsync(timeoutSource.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw Unreachable(endpoint, $"no answer within {timeout.TotalSeconds:0} s", ex);
            }
            catch (Exception ex) when (ConnectionFailure(ex) is { } cause)
            {
                throw Unreachable(endpoint, cause.Message, ex);
            }
            catch (DockerApiException ex)
            {
                throw Unreachable(endpoint, $"/version answered HTTP {(int)ex.StatusCode}", ex);
            }
        }
    }

    /// <summary>The socket-level cause when <paramref name="ex"/> means "nothing listens there" (transports wrap it differently).</summary>
    private static Exception? ConnectionFailure(Exception ex)
    {
        if (ex is AggregateException aggregate)
        {
            return aggregate.InnerExceptions.Select(ConnectionFailure).FirstOrDefault(cause => cause is not null);
        }

        return ex switch
        {
            SocketException => ex,
            HttpRequestException or IOException => (ex.InnerException is null ? null : ConnectionFailure(ex.InnerException)) ?? ex,
            _ => null,
        };
    }

    private static KtException Unreachable(Uri endpoint, string why, Exception inner) =>
        new(DockerErrorCodes.EngineUnreachable,
            $"no Docker engine at {endpoint} ({why}); start dockerd or set DOCKER_HOST.", inner);
}
