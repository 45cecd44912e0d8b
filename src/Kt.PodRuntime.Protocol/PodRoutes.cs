namespace Kt.PodRuntime.Protocol;

/// <summary>The pod runtime's routes, as the server maps them and the client builds them (docs/pod-runtime.md).</summary>
public static class PodRoutes
{
    public const string Health = "/health";

    /// <summary>The kubelet's readiness probe: a bare yes/no, answered without the bearer token.</summary>
    public const string ReadinessProbe = "/health/ready";

    public const string Ready = "/ready";
    public const string Metrics = "/metrics";
    public const string Journal = "/journal";
    public const string SetupPlan = "/setup/plan";
    public const string SetupReplay = "/setup/replay";
    public const string SyncManifest = "/sync/manifest";
    public const string SyncMissing = "/sync/missing";
    public const string SyncBlobs = "/sync/blobs/{sha256}";
    public const string SyncActivate = "/sync/activate";
    public const string SyncActive = "/sync/active";

    /// <summary>One round trip: activate this manifest, or say which blobs are missing.</summary>
    public const string SyncDeploy = "/sync/deploy";

    /// <summary>
    /// As <see cref="SyncDeploy"/>, with only what changed since the pod's active manifest (<see cref="ManifestChanges"/>):
    /// a one-file change costs its own bytes on the wire and the pod's checks, not the whole app's.
    /// </summary>
    public const string SyncDeployChanges = "/sync/deploy/changes";

    /// <summary>GET: what the worker's runtime can apply; POST: apply one generation of IL deltas (<see cref="DeltaRequest"/>).</summary>
    public const string CodeDelta = "/code/delta";

    /// <summary>POST: the whole build behind the served deltas becomes the version on disk, the worker untouched (<see cref="SettleRequest"/>).</summary>
    public const string CodeSettle = "/code/settle";

    public const string Function = "/fn/{type}/{method}";
    public const string ClassInit = "/cls/{type}";
    public const string ClassMethod = "/cls/{type}/{method}";
    public const string Logs = "/logs";
    public const string App = "/app";
    public const string AppProxy = "/http/{**path}";

    public const string NdJson = "application/x-ndjson";
    public const string RequestIdHeader = "X-Request-ID";
    public const string TimeoutHeader = "X-Kt-Timeout-Ms";
    public const string VersionHeader = "X-Kt-Version";
    public const string ErrorCodeHeader = "X-Kt-Error-Code";

    /// <summary>
    /// Sent with <c>Accept: application/x-ndjson</c> (value <see cref="StreamItems"/>): a result that is a stream
    /// (<c>IAsyncEnumerable&lt;T&gt;</c>, a lazily yielding <c>IEnumerable&lt;T&gt;</c>) comes as <c>stream</c>, then one
    /// <c>item</c> line per element as it is produced, then <c>result</c> (null) or <c>error</c>.
    /// </summary>
    public const string StreamHeader = "X-Kt-Stream";

    public const string StreamItems = "items";

    // Relative forms for an HttpClient whose base address is the pod's root.
    public static string Blob(string sha256) => $"sync/blobs/{sha256}";

    public static string FunctionOf(string type, string method) => $"fn/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(method)}";

    public static string ClassOf(string type) => $"cls/{Uri.EscapeDataString(type)}";

    public static string ClassMethodOf(string type, string method) => $"cls/{Uri.EscapeDataString(type)}/{Uri.EscapeDataString(method)}";

    public static string Relative(string route) => route.TrimStart('/');
}

/// <summary>The names of NDJSON lines: plan application events and the lines of a streamed call.</summary>
public static class PodEvents
{
    public const string StepStart = "step-start";
    public const string Output = "output";
    public const string StepDone = "step-done";
    public const string StepFailed = "step-failed";
    public const string Done = "done";
    public const string Error = "error";

    public const string CallLog = "log";
    public const string CallResult = "result";
    public const string CallError = "error";

    /// <summary>The result is a stream: <see cref="CallItem"/> lines follow, then the end (<see cref="CallResult"/>) or <see cref="CallError"/>.</summary>
    public const string CallStream = "stream";

    public const string CallItem = "item";
}

/// <summary>A pod's setup state, as <c>GET /journal</c> and <c>/ready</c> report it.</summary>
public static class SetupStates
{
    public const string None = "none";
    public const string Applying = "applying";
    public const string Ok = "ok";
    public const string Failed = "failed";
}
