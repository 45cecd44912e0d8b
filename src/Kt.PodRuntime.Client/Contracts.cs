using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Client;

/// <summary>
/// What a sync did: files in the version, blobs and bytes actually uploaded, and whether the pod said it was ready with
/// the version when it answered (then nobody needs to poll <c>/ready</c>).
/// </summary>
public sealed record SyncResult(string Version, int Files, long Bytes, int UploadedBlobs, long UploadedBytes, bool Reused, bool Ready = false);

/// <summary>Who answered /health: the service and pod names the runtime was started with.</summary>
public sealed record PodIdentity(string Service, string Pod);

/// <summary>A blob to upload: its hash and size, and the local file that holds it.</summary>
public sealed record BlobSource(string Sha256, long Size, string Path);

/// <summary>One line of a call's output (stdout or stderr of user code), tagged with its request id.</summary>
public sealed record RemoteLogLine(
    [property: JsonPropertyName("requestId")] string? RequestId,
    [property: JsonPropertyName("stream")] string? Stream,
    [property: JsonPropertyName("line")] string? Line,
    [property: JsonPropertyName("end")] bool End = false);

/// <summary>What a call that takes stream results gives: an element of a stream (<see cref="IsItem"/>) or the one result of any other method.</summary>
public readonly record struct CallValue(bool IsItem, JsonElement Value);

/// <summary>The outcome of a successful plan application.</summary>
public sealed record PlanResult(int StepsRun, int JournalLength, bool EnvironmentChanged);

/// <summary>Per-call options.</summary>
public sealed record CallOptions
{
    /// <summary>Sent as X-Request-ID (generated when null); logs and errors carry it.</summary>
    public string? RequestId { get; init; }

    /// <summary>Server-side deadline; on expiry the call is cancelled and fails with KT4037 (504).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>When set, the call streams and every output line of user code is handed here as it is produced.</summary>
    public Action<RemoteLogLine>? OnLog { get; init; }
}

internal static class ClientJson
{
    /// <summary>User call arguments and results: the options the worker binds them with.</summary>
    public static readonly JsonSerializerOptions Options = UserValueJson.Options;
}
