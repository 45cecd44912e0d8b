using System.Globalization;
using Kt.Core;

namespace Kt.Docker;

/// <summary>
/// Picks the API version to speak to an engine: the highest version both Kt and the engine support, or the version
/// the user forced with DOCKER_API_VERSION (which is taken as-is, like the docker CLI does, as long as the engine accepts it).
/// </summary>
public static class ApiVersionNegotiator
{
    /// <param name="engineMaximum">The engine's <c>ApiVersion</c> from <c>GET /version</c>.</param>
    /// <param name="engineMinimum">The engine's <c>MinAPIVersion</c>, or null for engines that do not report it.</param>
    /// <param name="forced">A version the user demanded (DOCKER_API_VERSION), or null.</param>
    /// <param name="endpoint">Only used in error messages.</param>
    public static Version Negotiate(Version engineMaximum, Version? engineMinimum, Version? forced, string endpoint)
    {
        ArgumentNullException.ThrowIfNull(engineMaximum);
        var engineFloor = engineMinimum ?? engineMaximum;
        var engineRange = $"{Format(engineFloor)}..{Format(engineMaximum)}";

        if (forced is not null)
        {
            if (forced < engineFloor || forced > engineMaximum)
            {
                throw new KtException(DockerErrorCodes.ApiVersionMismatch,
                    $"DOCKER_API_VERSION={Format(forced)} but the Docker engine at {endpoint} supports API {engineRange}; " +
                    "unset DOCKER_API_VERSION or set it inside that range.");
            }

            return forced;
        }

        var highestCommon = engineMaximum < DockerApiVersionRange.Maximum ? engineMaximum : DockerApiVersionRange.Maximum;
        var lowestCommon = engineFloor > DockerApiVersionRange.Minimum ? engineFloor : DockerApiVersionRange.Minimum;
        if (highestCommon < lowestCommon)
        {
            throw new KtException(DockerErrorCodes.ApiVersionMismatch,
                $"the Docker engine at {endpoint} supports API {engineRange} but Kt speaks " +
                $"{Format(DockerApiVersionRange.Minimum)}..{Format(DockerApiVersionRange.Maximum)}; " +
                (engineMaximum < DockerApiVersionRange.Minimum
                    ? "upgrade the engine (Docker 20.10 or newer)."
                    : "upgrade Kt, or set DOCKER_API_VERSION to a version the engine accepts."));
        }

        return highestCommon;
    }

    /// <summary>Parses "1.41" (also tolerates a leading "v"). Returns null for null/blank input.</summary>
    public static Version? ParseOrNull(string? text, string source)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim().TrimStart('v', 'V');
        if (Version.TryParse(trimmed, out var version) && version.Build < 0 && version.Revision < 0)
        {
            return version;
        }

        throw new KtException(DockerErrorCodes.InvalidConfiguration,
            $"{source}='{text}' is not a Docker API version (expected MAJOR.MINOR, e.g. 1.41).");
    }

    /// <summary>Formats as MAJOR.MINOR, the form the engine uses in paths and headers.</summary>
    public static string Format(Version version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return string.Create(CultureInfo.InvariantCulture, $"{version.Major}.{version.Minor}");
    }
}
