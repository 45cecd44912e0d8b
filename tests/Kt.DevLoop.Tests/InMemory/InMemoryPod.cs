using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kt.Core;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop.Tests.InMemory;

/// <summary>
/// A pod that lives in memory and speaks the pod protocol over <see cref="HttpMessageHandler"/>: the routes of
/// <see cref="PodRoutes"/>, the records of <see cref="PodJsonContext"/>, the codes of <see cref="RuntimeErrorCodes"/>,
/// bearer tokens and NDJSON plan events. It fakes the <i>protocol</i>, not a seam of ours: <c>ServiceDeployer</c> and
/// the real <c>PodClient</c> run unchanged over it, and only the bytes on the wire are answered from dictionaries
/// instead of a blob store and a worker. Why not the real endpoint groups in a TestServer: they sit on the file-backed
/// stores and a worker process, which is exactly what the real-runtime tests already cover; these tests are about
/// the deployer's decisions (which requests, which blobs, which plan) and run in milliseconds.
/// What it does not model: user code (calls), logs, apps, prune, and step semantics beyond "journal it" (a step whose
/// shell contains <see cref="FailingShell"/> fails with KT4011).
/// </summary>
internal sealed class InMemoryPod(string name, string token) : HttpMessageHandler
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly List<JournalEntry> _journal = [];
    private readonly List<string> _requests = [];
    private readonly List<int> _requestBytes = [];

    public string Name { get; } = name;

    public string Token { get; } = token;

    public Uri Address { get; } = new($"http://{name}.in-memory/");

    public string Setup { get; private set; } = SetupStates.None;

    public ActivateRequest? Active { get; private set; }

    /// <summary>A command step whose shell contains this fails as a real pod's step exiting non-zero does.</summary>
    public string? FailingShell { get; set; }

    /// <summary>Refuses a route (matched on "METHOD /path") with a KT code, as a real pod refuses bad input.</summary>
    public Func<string, (string Code, int Status, string Message)?> Refuse { get; set; } = _ => null;

    /// <summary>Every request, as "METHOD /path", in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The body size of every request, in the order of <see cref="Requests"/>.</summary>
    public IReadOnlyList<int> RequestBytes
    {
        get
        {
            lock (_lock)
            {
                return [.. _requestBytes];
            }
        }
    }

    public IReadOnlyList<JournalEntry> Journal
    {
        get
        {
            lock (_lock)
            {
                return [.. _journal];
            }
        }
    }

    public IReadOnlyCollection<string> Blobs
    {
        get
        {
            lock (_lock)
            {
                return [.. _blobs.Keys];
            }
        }
    }

    public void ClearRequests()
    {
        lock (_lock)
        {
            _requests.Clear();
            _requestBytes.Clear();
        }
    }

    /// <summary>Puts the pod where a plan that failed leaves it: its journal as it was, setup "failed", not ready.</summary>
    public void MarkSetupFailed() => Setup = SetupStates.Failed;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var path = request.RequestUri!.AbsolutePath;
        var route = $"{request.Method.Method} {path}";
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _requests.Add(route);
            _requestBytes.Add(body.Length);
        }

        if (request.Headers.Authorization is not { Scheme: "Bearer" } auth || auth.Parameter != Token)
        {
            return Error(RuntimeErrorCodes.Unauthorized, 401, "A valid 'Authorization: Bearer <token>' header is required.");
        }

        if (Refuse(route) is { } refusal)
        {
            return Error(refusal.Code, refusal.Status, refusal.Message);
        }

        lock (_lock)
        {
            return (request.Method.Method, path) switch
            {
                ("GET", PodRoutes.Journal) => Json(new JournalResponse([.. _journal], Setup, new PodBase(new Dictionary<string, string>(), "root", "/")), PodJsonContext.Default.JournalResponse),
                ("GET", PodRoutes.Ready) => Ready(request.RequestUri.Query),
                ("POST", PodRoutes.SyncMissing) => Missing(Read(body, PodJsonContext.Default.MissingRequest)),
                ("POST", PodRoutes.SyncDeploy) => Deploy(Read(body, PodJsonContext.Default.ActivateRequest)),
                ("POST", PodRoutes.SyncDeployChanges) => DeployChanges(Read(body, PodJsonContext.Default.ManifestChanges)),
                ("POST", PodRoutes.SetupPlan) => ApplyPlan(Read(body, PodJsonContext.Default.LivePlan)),
                ("PUT", _) when path.StartsWith("/sync/blobs/", StringComparison.Ordinal) => PutBlob(path["/sync/blobs/".Length..], body),
                _ => new HttpResponseMessage(HttpStatusCode.NotFound), // what the real server answers for a route it lacks
            };
        }
    }

    private bool IsReady(string? version) => Setup is SetupStates.None or SetupStates.Ok && (version is null || Active?.Version == version);

    private HttpResponseMessage Ready(string query)
    {
        var version = query.StartsWith("?version=", StringComparison.Ordinal) ? Uri.UnescapeDataString(query["?version=".Length..]) : null;
        var ready = IsReady(version);
        return Json(new ReadyResponse(ready, Active?.Version, Setup), PodJsonContext.Default.ReadyResponse, ready ? 200 : 503);
    }

    private HttpResponseMessage Missing(MissingRequest query)
    {
        var asked = query.Blobs?.Select(b => (b.Sha256, b.Size)) ?? query.Files!.Select(f => (f.Sha256, f.Size));
        var missing = asked.Where(b => !_blobs.ContainsKey(b.Sha256)).DistinctBy(b => b.Sha256).ToList();
        return Json(new MissingResponse([.. missing.Select(m => m.Sha256)], missing.Sum(m => m.Size)), PodJsonContext.Default.MissingResponse);
    }

    private HttpResponseMessage PutBlob(string sha256, byte[] content)
    {
        var actual = Convert.ToHexStringLower(SHA256.HashData(content));
        if (actual != sha256)
        {
            return Error(RuntimeErrorCodes.HashMismatch, 400, $"The uploaded bytes hash to {actual}, not {sha256}.");
        }

        var stored = _blobs.TryAdd(sha256, content);
        return Json(new BlobStored(sha256, stored), PodJsonContext.Default.BlobStored, stored ? 201 : 200);
    }

    private HttpResponseMessage Deploy(ActivateRequest request)
    {
        if (JournalMoved(request.Journal) is { } refused)
        {
            return refused;
        }

        var missing = request.Manifest.Files.Where(f => !_blobs.ContainsKey(f.Sha256)).DistinctBy(f => f.Sha256).ToList();
        if (missing.Count > 0)
        {
            return Json(new DeployResponse(null, [.. missing.Select(f => f.Sha256)], missing.Sum(f => f.Size)), PodJsonContext.Default.DeployResponse);
        }

        var reused = Active?.Version == request.Version;
        Active = request;
        var activated = new ActivateResult(request.Version, request.Manifest.Files.Count, request.Manifest.Files.Sum(f => f.Size), reused);
        return Json(new DeployResponse(activated, [], 0, IsReady(request.Version)), PodJsonContext.Default.DeployResponse);
    }

    private HttpResponseMessage? JournalMoved(string? expected) => expected is not null && JournalDigest.Compute(_journal, Setup) != expected
        ? Error(RuntimeErrorCodes.JournalChanged, 409, "This pod's setup journal changed since the deploy planned against it.")
        : null;

    private HttpResponseMessage DeployChanges(ManifestChanges changes)
    {
        if (JournalMoved(changes.Journal) is { } refused)
        {
            return refused;
        }

        if (Active is not { } active || ManifestDigest.Compute(active.Manifest) != changes.Base)
        {
            return Error(RuntimeErrorCodes.ChangesBaseMismatch, 409, "The changes are against another manifest than this pod serves; send the whole manifest.");
        }

        var missing = changes.Changed.Where(f => !_blobs.ContainsKey(f.Sha256)).DistinctBy(f => f.Sha256).ToList();
        return missing.Count > 0
            ? Json(new DeployResponse(null, [.. missing.Select(f => f.Sha256)], missing.Sum(f => f.Size)), PodJsonContext.Default.DeployResponse)
            : Deploy(new ActivateRequest(changes.Version, changes.ApplyTo(active.Manifest)));
    }

    private HttpResponseMessage ApplyPlan(LivePlan plan)
    {
        if (plan.KeepPrefix > _journal.Count || !_journal.Take(plan.KeepPrefix).Select(e => e.Key).SequenceEqual(plan.ExpectedPrefix))
        {
            return Error(RuntimeErrorCodes.StalePlan, 409, "The plan is stale (the journal changed); compute it again from GET /journal.");
        }

        var events = new List<PlanEvent>();
        _journal.RemoveRange(plan.KeepPrefix, _journal.Count - plan.KeepPrefix);
        foreach (var (step, index) in plan.Steps.Select((s, i) => (s, i)))
        {
            events.Add(new PlanEvent { Event = PodEvents.StepStart, Index = index, Key = step.Key, Kind = step.Kind, Description = step.Description });
            if (FailingShell is not null && step.Shell?.Contains(FailingShell, StringComparison.Ordinal) == true)
            {
                Setup = SetupStates.Failed;
                events.Add(new PlanEvent { Event = PodEvents.StepFailed, Index = index, Key = step.Key, ExitCode = 3 });
                events.Add(new PlanEvent { Event = PodEvents.Error, Error = Envelope(RuntimeErrorCodes.StepFailed, 500, $"Step {index} ({step.Description}) exited with 3.") });
                return NdJson(events);
            }

            _journal.Add(new JournalEntry(step.Key, step.Kind, step.Description));
            events.Add(new PlanEvent { Event = PodEvents.StepDone, Index = index, Key = step.Key, ExitCode = 0 });
        }

        Setup = SetupStates.Ok;
        events.Add(new PlanEvent { Event = PodEvents.Done, JournalLength = _journal.Count, EnvironmentChanged = false });
        return NdJson(events);
    }

    private ErrorEnvelope Envelope(string code, int status, string message) =>
        new() { Message = $"{message} ({code})", Code = code, Status = status, Pod = Name, Version = Active?.Version };

    private HttpResponseMessage Error(string code, int status, string message)
    {
        var response = Json(Envelope(code, status, message), PodJsonContext.Default.ErrorEnvelope, status);
        response.Headers.Add(PodRoutes.ErrorCodeHeader, code);
        return response;
    }

    private static T Read<T>(byte[] body, JsonTypeInfo<T> type) => JsonSerializer.Deserialize(body, type)!;

    private static HttpResponseMessage Json<T>(T value, JsonTypeInfo<T> type, int status = 200)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpResponseMessage((HttpStatusCode)status) { Content = content };
    }

    private static HttpResponseMessage NdJson(IEnumerable<PlanEvent> events)
    {
        var text = new StringBuilder();
        foreach (var e in events)
        {
            text.Append(JsonSerializer.Serialize(e, PodJsonContext.Default.PlanEvent)).Append('\n');
        }

        var content = new StringContent(text.ToString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(PodRoutes.NdJson);
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }
}
