using System.Text.Json;
using System.Text.Json.Serialization;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Ipc;

/// <summary>Header of a <see cref="FrameKind.Call"/>; the payload is the request body <c>{args, kwargs}</c> (binary, <see cref="CallHeaders"/>).</summary>
/// <param name="TraceParent">The runtime's span of the call as a W3C <c>traceparent</c> (the worker's span is its child); null when tracing is off.</param>
internal sealed record CallHeader(CallKind Kind, string Type, string Method, string RequestId, bool Items = false, string? TraceParent = null);

/// <summary>Header of a <see cref="FrameKind.Result"/>; on success the payload is the JSON result (binary, <see cref="CallHeaders"/>).</summary>
internal sealed record ResultHeader(bool Ok, ErrorEnvelope? Error = null, string? Version = null);

/// <summary>Header of a <see cref="FrameKind.Log"/>: one line a call printed (binary, <see cref="CallHeaders"/>).</summary>
internal sealed record LogHeader(string RequestId, string Stream, string Line);

/// <summary>Tells the worker to serve a new version from a folder (a fresh collectible load context).</summary>
internal sealed record LoadHeader(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("dir")] string Directory);

/// <summary>The answer to a load: <paramref name="Switched"/> false when the worker kept serving its version (calls of it were running).</summary>
internal sealed record LoadedHeader(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("generation")] int Generation,
    [property: JsonPropertyName("switched")] bool Switched = true);

/// <summary>Whether the previous generation's load context really went away after its calls drained.</summary>
internal sealed record UnloadReportHeader(
    [property: JsonPropertyName("generation")] int Generation,
    [property: JsonPropertyName("unloaded")] bool Unloaded,
    [property: JsonPropertyName("gcRounds")] int GcRounds);

/// <summary>The worker's greeting: its process id and what its runtime can apply as IL deltas (empty: nothing).</summary>
internal sealed record HelloHeader(
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("caps")] string Capabilities = "");

/// <summary>Tells the worker to apply one generation of IL deltas to its current version, which then serves <see cref="Version"/>.</summary>
internal sealed record DeltaHeader(
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("updates")] IReadOnlyList<AssemblyDelta> Updates);

/// <summary>The worker's answer to a <see cref="FrameKind.Delta"/>: applied, or why not (the code is then unchanged).</summary>
internal sealed record DeltaAppliedHeader(
    [property: JsonPropertyName("ok")] bool Ok,
    [property: JsonPropertyName("code")] string? Code = null,
    [property: JsonPropertyName("message")] string? Message = null);

/// <summary>Header of a <see cref="FrameKind.ClassInit"/>: the payload holds the constructor body <c>{args, kwargs}</c>.</summary>
internal sealed record ClassInitHeader([property: JsonPropertyName("t")] string Type);

[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(LoadHeader))]
[JsonSerializable(typeof(LoadedHeader))]
[JsonSerializable(typeof(UnloadReportHeader))]
[JsonSerializable(typeof(HelloHeader))]
[JsonSerializable(typeof(ClassInitHeader))]
[JsonSerializable(typeof(DeltaHeader))]
[JsonSerializable(typeof(DeltaAppliedHeader))]
internal sealed partial class IpcJson : JsonSerializerContext
{
    public static byte[] Encode<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, typeof(T), Default);

    public static T Decode<T>(ReadOnlyMemory<byte> bytes) =>
        (T)(JsonSerializer.Deserialize(bytes.Span, typeof(T), Default) ?? throw new InvalidDataException($"Empty {typeof(T).Name} on the worker socket."));
}
