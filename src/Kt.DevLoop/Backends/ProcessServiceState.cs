using System.Text.Json.Serialization;

namespace Kt.DevLoop.Backends;

/// <summary>What the process backend created for a service: <c>$KT_HOME/process/&lt;service&gt;/service.json</c>.</summary>
internal sealed record ProcessServiceState(
    [property: JsonPropertyName("service")] string Service,
    [property: JsonPropertyName("worldSize")] int WorldSize,
    [property: JsonPropertyName("masterPort")] int MasterPort,
    [property: JsonPropertyName("pods")] IReadOnlyList<ProcessPodState> Pods)
{
    public static ProcessServiceState? Read(string file) => StateFile.Read(file, BackendStateJson.Default.ProcessServiceState);

    public void Write(string file) => StateFile.Write(file, this, BackendStateJson.Default.ProcessServiceState);
}

internal sealed record ProcessPodState(
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("port")] int Port);
