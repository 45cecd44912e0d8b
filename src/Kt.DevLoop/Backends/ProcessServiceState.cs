using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kt.DevLoop.Backends;

/// <summary>What the process backend created for a service: <c>$KT_HOME/process/&lt;service&gt;/service.json</c>.</summary>
internal sealed record ProcessServiceState(
    [property: JsonPropertyName("service")] string Service,
    [property: JsonPropertyName("worldSize")] int WorldSize,
    [property: JsonPropertyName("masterPort")] int MasterPort,
    [property: JsonPropertyName("pods")] IReadOnlyList<ProcessPodState> Pods)
{
    public static ProcessServiceState? Read(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize(File.ReadAllText(file), BackendStateJson.Default.ProcessServiceState) : null;
        }
        catch (JsonException)
        {
            return null; // a torn or foreign file: treated as nothing created; live pods are found by their pid files again
        }
    }

    /// <summary>Written to a temp file and renamed, so a reader sees the old or the new state, never half of one.</summary>
    public void Write(string file)
    {
        var temp = file + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, BackendStateJson.Default.ProcessServiceState));
        File.Move(temp, file, overwrite: true);
    }
}

internal sealed record ProcessPodState(
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("port")] int Port);
