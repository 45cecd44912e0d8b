using Kt.Core;

namespace Kt.Docker;

/// <summary>
/// How to reach the engine. <see cref="FromEnvironment()"/> follows the docker CLI's variables: DOCKER_HOST for the
/// endpoint (default <c>unix:///var/run/docker.sock</c>) and DOCKER_API_VERSION to force an API version.
/// </summary>
/// <param name="Endpoint">Engine endpoint (unix://, tcp://, http://, npipe://).</param>
/// <param name="ForcedApiVersion">Version to use instead of negotiating, or null to negotiate.</param>
/// <param name="ConnectTimeout">How long the first <c>/version</c> probe may take before the engine counts as absent.</param>
public sealed record DockerConnectOptions(Uri Endpoint, Version? ForcedApiVersion, TimeSpan ConnectTimeout)
{
    /// <summary>The endpoint used when DOCKER_HOST is not set.</summary>
    public static Uri DefaultEndpoint { get; } = new("unix:///var/run/docker.sock");

    /// <summary>Default probe timeout.</summary>
    public static TimeSpan DefaultConnectTimeout { get; } = TimeSpan.FromSeconds(15);

    /// <summary>Reads DOCKER_HOST and DOCKER_API_VERSION from the process environment.</summary>
    public static DockerConnectOptions FromEnvironment() => FromEnvironment(System.Environment.GetEnvironmentVariable);

    /// <summary>Reads DOCKER_HOST and DOCKER_API_VERSION through <paramref name="lookup"/> (tests pass a dictionary).</summary>
    public static DockerConnectOptions FromEnvironment(Func<string, string?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var endpoint = ParseEndpoint(lookup("DOCKER_HOST"), "DOCKER_HOST");
        if (endpoint.Scheme == "tcp" && !string.IsNullOrEmpty(lookup("DOCKER_TLS_VERIFY")))
        {
            // Speaking plain HTTP to a TLS port fails obscurely; say so up front instead.
            throw new KtException(DockerErrorCodes.InvalidConfiguration,
                $"DOCKER_TLS_VERIFY is set for {endpoint}: TLS endpoints are not supported yet; use a local socket or a plain tcp:// endpoint.");
        }

        return new DockerConnectOptions(
            endpoint,
            ApiVersionNegotiator.ParseOrNull(lookup("DOCKER_API_VERSION"), "DOCKER_API_VERSION"),
            DefaultConnectTimeout);
    }

    /// <summary>Parses an endpoint; null or blank means <see cref="DefaultEndpoint"/>.</summary>
    public static Uri ParseEndpoint(string? text, string source = "endpoint")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return DefaultEndpoint;
        }

        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri))
        {
            throw new KtException(DockerErrorCodes.InvalidConfiguration,
                $"{source}='{text}' is not a URI (expected e.g. unix:///var/run/docker.sock or tcp://host:2375).");
        }

        return uri.Scheme switch
        {
            "unix" or "tcp" or "http" or "npipe" => uri,
            "ssh" => throw new KtException(DockerErrorCodes.InvalidConfiguration,
                $"{source}='{text}': ssh:// endpoints are not supported; forward the socket (ssh -L) and use unix:// or tcp://."),
            "https" => throw new KtException(DockerErrorCodes.InvalidConfiguration,
                $"{source}='{text}': TLS endpoints are not supported yet; use a local socket or a plain tcp:// endpoint."),
            _ => throw new KtException(DockerErrorCodes.InvalidConfiguration,
                $"{source}='{text}' has unsupported scheme '{uri.Scheme}' (use unix://, tcp:// or npipe://)."),
        };
    }
}
