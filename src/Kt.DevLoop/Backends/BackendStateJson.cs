using System.Text.Json.Serialization;

namespace Kt.DevLoop.Backends;

/// <summary>Generated JSON metadata for the backends' state files: they are read on every deploy, in a cold process.</summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(ProcessServiceState))]
[JsonSerializable(typeof(DockerServiceState))]
internal sealed partial class BackendStateJson : JsonSerializerContext;
