namespace Kt.Docker;

/// <summary>The KT3xxx codes Kt.Docker throws (listed with meanings in docs/errors-docker.md).</summary>
public static class DockerErrorCodes
{
    /// <summary>No Docker engine answered at the resolved endpoint.</summary>
    public const string EngineUnreachable = "KT3001";

    /// <summary>The engine's API version range and Kt's (or DOCKER_API_VERSION) do not overlap.</summary>
    public const string ApiVersionMismatch = "KT3002";

    /// <summary>DOCKER_HOST, DOCKER_API_VERSION or an explicit endpoint/version is malformed or unsupported.</summary>
    public const string InvalidConfiguration = "KT3003";

    /// <summary>An image a step or container needs is not in the engine (nothing is ever pulled).</summary>
    public const string ImageNotFound = "KT3004";

    /// <summary>The engine's image archive for a committed step did not contain the expected top layer.</summary>
    public const string LayerExtractionFailed = "KT3005";

    /// <summary>The engine refused a request (the engine's own message is included).</summary>
    public const string EngineRequestFailed = "KT3006";

    /// <summary>The engine rejected an image tarball given to LoadImageAsync.</summary>
    public const string ImageLoadFailed = "KT3007";

    /// <summary>A started container does not publish a port it was asked to publish.</summary>
    public const string PortNotPublished = "KT3008";

    /// <summary>The engine could not pull an image from its registry (the engine's own message is included).</summary>
    public const string ImagePullFailed = "KT3009";
}
