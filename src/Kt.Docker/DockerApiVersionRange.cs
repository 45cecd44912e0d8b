namespace Kt.Docker;

/// <summary>
/// The Docker Engine API versions Kt speaks. The floor is Docker 20.10 (API 1.41), the oldest engine Kt is tested
/// against; the ceiling is the newest API whose models Docker.DotNet.Enhanced 4.3 carries. Docker 29 engines refuse
/// anything below 1.44, which is why Kt negotiates instead of pinning one version.
/// </summary>
public static class DockerApiVersionRange
{
    /// <summary>Oldest API version Kt uses.</summary>
    public static Version Minimum { get; } = new(1, 41);

    /// <summary>Newest API version Kt asks for.</summary>
    public static Version Maximum { get; } = new(1, 51);
}
