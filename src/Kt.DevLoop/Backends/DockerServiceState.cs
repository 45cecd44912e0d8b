using System.Text.Json.Serialization;

namespace Kt.DevLoop.Backends;

/// <summary>
/// What the docker backend last saw of a service (<c>$KT_HOME/docker/&lt;service&gt;/service.json</c>): the image,
/// the world size and where each pod answers. A redeploy whose pods all still answer there with their own names
/// needs no Docker API call at all; anything else goes through the engine, which stays the source of truth.
/// </summary>
internal sealed record DockerServiceState(
    [property: JsonPropertyName("image")] string Image,
    [property: JsonPropertyName("worldSize")] int WorldSize,
    [property: JsonPropertyName("pods")] IReadOnlyList<DockerPodState> Pods)
{
    public static DockerServiceState? Read(string file) => StateFile.Read(file, BackendStateJson.Default.DockerServiceState);

    public void Write(string file) => StateFile.Write(file, this, BackendStateJson.Default.DockerServiceState);
}

internal sealed record DockerPodState(
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("address")] Uri Address);
