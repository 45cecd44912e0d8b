using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Kt.Core;
using Kt.PodRuntime.Apps;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Journal;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Supervision;
using Kt.PodRuntime.Sync;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting;

/// <summary>The HTTP surface of the pod runtime (documented in docs/pod-runtime.md).</summary>
internal sealed class RuntimeEndpoints
{
    /// <summary>
    /// The kubelet's readiness probe cannot carry the bearer token, so readiness (a bare yes/no, nothing else) is
    /// also answered without authentication here; <c>/ready?version=</c> with its details stays authenticated.
    /// </summary>
    public const string ReadinessProbePath = PodRoutes.ReadinessProbe;

    private const string NdJson = PodRoutes.NdJson;
    private static readonly byte[] ProbeReady = "{\"ready\":true}"u8.ToArray();
    private static readonly byte[] ProbeNotReady = "{\"ready\":false}"u8.ToArray();
    private const string RequestIdItem = "kt.requestId";
    private readonly RuntimeOptions _options;
    private readonly RuntimeState _state;
    private readonly RuntimeMetrics _metrics;
    private readonly LogHub _logs;
    private readonly BlobStore _blobs;
    private readonly VersionStore _versions;
    private readonly JournalStore _journal;
    private readonly PlanApplier _applier;
    private readonly WorkerSupervisor _supervisor;
    private readonly AppHost _apps;
    private readonly AppProxy _proxy;
    private readonly PodOperations _operations;
    private readonly BearerToken _token;

    public RuntimeEndpoints(
        RuntimeOptions options, RuntimeState state, RuntimeMetrics metrics, LogHub logs, BlobStore blobs, VersionStore versions,
        JournalStore journal, PlanApplier applier, WorkerSupervisor supervisor, AppHost apps, AppProxy proxy, PodOperations operations)
    {
        _operations = operations;
        _options = options;
        _state = state;
        _metrics = metrics;
        _logs = logs;
        _blobs = blobs;
        _versions = versions;
        _journal = journal;
        _applier = applier;
        _supervisor = supervisor;
        _apps = apps;
        _proxy = proxy;
        _token = new BearerToken(options.Token);
    }

    public void Map(WebApplication app)
    {
        app.Use(GuardAsync);
        var health = JsonSerializer.SerializeToUtf8Bytes(new HealthResponse("ok", _options.Service, _options.PodName), PodJsonContext.Default.HealthResponse);
        app.MapGet(PodRoutes.Health, (HttpContext c) => HttpJson.WriteRawAsync(c, 200, health));
        app.MapGet(ReadinessProbePath, (HttpContext c) => IsReady(null)
            ? HttpJson.WriteRawAsync(c, 200, ProbeReady)
            : HttpJson.WriteRawAsync(c, 503, ProbeNotReady));
        app.MapGet(PodRoutes.Ready, ReadyAsync);
        app.MapGet(PodRoutes.Metrics, (HttpContext c) =>
        {
            c.Response.ContentType = "text/plain; version=0.0.4";
            return c.Response.WriteAsync(_metrics.Render());
        });
        app.MapGet(PodRoutes.Journal, (HttpContext c) => HttpJson.WriteAsync(c, 200, new JournalResponse(_journal.Entries, _state.Setup, UserEnvironment.Base)));
        app.MapPost(PodRoutes.SetupPlan, ApplyPlanAsync);
        // What a new pod replays from a running one: its whole setup, its code manifest and the blobs behind both.
        app.MapGet(PodRoutes.SetupReplay, (HttpContext c) => c.Request.Query["epoch"].ToString() is var epoch && epoch != (_options.SetupEpoch ?? "")
            ? throw new RuntimeError(RuntimeErrorCodes.NothingToReplay, 404, $"This pod's setup belongs to epoch '{_options.SetupEpoch}', not '{epoch}'.")
            : _journal.ReplayPlan() is { } replay
                ? HttpJson.WriteAsync(c, 200, replay)
                : throw new RuntimeError(RuntimeErrorCodes.NothingToReplay, 404, "This pod has no setup to replay."));
        app.MapGet(PodRoutes.SyncManifest, (HttpContext c) => _versions.Active is { } active && _versions.ActiveManifest() is { } manifest
            ? HttpJson.WriteAsync(c, 200, new ActivateRequest(active.Version, manifest))
            : throw new RuntimeError(RuntimeErrorCodes.NoActiveVersion, 404, "This pod has no synced version."));
        app.MapGet(PodRoutes.SyncBlobs, (HttpContext c, string sha256) => GetBlobAsync(c, sha256));
        app.MapPost(PodRoutes.SyncMissing, MissingAsync);
        app.MapPut(PodRoutes.SyncBlobs, (HttpContext c, string sha256) => PutBlobAsync(c, sha256));
        app.MapPost(PodRoutes.SyncActivate, ActivateAsync);
        app.MapPost(PodRoutes.SyncDeploy, DeployAsync);
        app.MapGet(PodRoutes.SyncActive, (HttpContext c) => HttpJson.WriteAsync(c, 200, _versions.Active));
        app.MapPost(PodRoutes.Function, (HttpContext c, string type, string method) => CallAsync(c, "fn", type, method));
        app.MapPut(PodRoutes.ClassInit, RegisterClassAsync);
        app.MapPost(PodRoutes.ClassMethod, (HttpContext c, string type, string method) => CallAsync(c, "cls", type, method));
        app.MapGet(PodRoutes.Logs, FollowLogsAsync);
        app.MapPut(PodRoutes.App, ConfigureAppAsync);
        app.MapGet(PodRoutes.App, (HttpContext c) => HttpJson.WriteAsync(c, 200, new AppStatus(_apps.Settings is not null, _apps.IsRunning, _apps.Settings?.Port)));
        app.Map(PodRoutes.AppProxy, (HttpContext c, string? path) => ProxyAsync(c, path ?? string.Empty));
    }

    // Request id, authentication, termination and the error envelope, for every endpoint.
    private async Task GuardAsync(HttpContext context, RequestDelegate next)
    {
        _metrics.Requests.Increment();
        var requestId = context.Request.Headers[PodRoutes.RequestIdHeader].ToString();
        if (requestId.Length is 0 or > 128 || requestId.Any(c => c < 0x21 || c > 0x7E))
        {
            requestId = Guid.NewGuid().ToString("N");
        }

        context.Items[RequestIdItem] = requestId;
        context.Response.Headers[PodRoutes.RequestIdHeader] = requestId;
        try
        {
            var path = context.Request.Path;
            if (path == PodRoutes.Health || path == ReadinessProbePath)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            if (!_token.Matches(context.Request.Headers.Authorization.ToString()))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                throw new RuntimeError(RuntimeErrorCodes.Unauthorized, 401, "A valid 'Authorization: Bearer <token>' header is required.");
            }

            if (_state.Terminating)
            {
                throw new RuntimeError(RuntimeErrorCodes.Terminating, 503, "The pod is terminating; retry on another replica.");
            }

            if (path.StartsWithSegments("/setup") || (path.StartsWithSegments("/sync") && !HttpMethods.IsGet(context.Request.Method)))
            {
                _versions.RefuseWhenFrozen();
            }

            await next(context).ConfigureAwait(false);
        }
        catch (RuntimeError error) when (error.Status == 401)
        {
            // An unauthenticated caller learns nothing about the pod: no name, no version.
            await HttpJson.WriteErrorAsync(context, error.ToEnvelope(null, null, requestId)).ConfigureAwait(false);
        }
        catch (RuntimeError error)
        {
            await HttpJson.WriteErrorAsync(context, error.ToEnvelope(_options.PodName, _versions.Active?.Version, requestId)).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await HttpJson.WriteErrorAsync(context, new RuntimeError(RuntimeErrorCodes.MalformedRequest, ex.StatusCode, ex.Message).ToEnvelope(_options.PodName, null, requestId)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // the caller went away
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or KtException)
        {
            await HttpJson.WriteErrorAsync(context, new RuntimeError(RuntimeErrorCodes.Internal, 500, $"The runtime failed: {ex.Message}").ToEnvelope(_options.PodName, _versions.Active?.Version, requestId)).ConfigureAwait(false);
        }
    }

    private static string RequestId(HttpContext context) => (string)context.Items[RequestIdItem]!;

    private Task ReadyAsync(HttpContext context)
    {
        var wanted = context.Request.Query["version"].ToString();
        var ready = IsReady(wanted.Length == 0 ? null : wanted);
        return HttpJson.WriteAsync(context, ready ? 200 : 503, new ReadyResponse(ready, _supervisor.ServingVersion, _state.Setup));
    }

    private bool IsReady(string? wantedVersion) =>
        !_state.Terminating && !_state.CatchingUp && _state.SetupActive && _supervisor.WorkerProcessId is not null
        && (wantedVersion is null || (_supervisor.ServingVersion == wantedVersion && _versions.Active?.Version == wantedVersion));

    private async Task ApplyPlanAsync(HttpContext context)
    {
        var plan = await ReadPlanAsync(context.Request).ConfigureAwait(false);
        await _applier.ValidateAsync(plan, context.RequestAborted).ConfigureAwait(false); // refusals are plain 4xx answers
        if (!_applier.TryAcquire())
        {
            throw new RuntimeError(RuntimeErrorCodes.PlanInProgress, 409, "Another plan is being applied on this pod.");
        }

        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = NdJson;
            var clientGone = false;
            async ValueTask Emit(PlanEvent e)
            {
                if (clientGone)
                {
                    return;
                }

                try
                {
                    await context.Response.Body.WriteAsync(Line(JsonSerializer.SerializeToUtf8Bytes(e, HttpJson.Options))).ConfigureAwait(false);
                    await context.Response.Body.FlushAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    clientGone = true; // the steps go on: the journal stays consistent whoever listens
                }
            }

            try
            {
                var changed = await _operations.ApplyPlanAsync(plan, Emit).ConfigureAwait(false);
                await Emit(new PlanEvent { Event = PodEvents.Done, JournalLength = _journal.Entries.Count, EnvironmentChanged = changed }).ConfigureAwait(false);
            }
            catch (RuntimeError error)
            {
                await Emit(new PlanEvent { Event = PodEvents.Error, Error = error.ToEnvelope(_options.PodName, _versions.Active?.Version, RequestId(context)) }).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
            {
                var error = new RuntimeError(RuntimeErrorCodes.StepFailed, 500, $"A step could not run: {ex.Message}");
                await Emit(new PlanEvent { Event = PodEvents.Error, Error = error.ToEnvelope(_options.PodName, _versions.Active?.Version, RequestId(context)) }).ConfigureAwait(false);
            }
        }
        finally
        {
            _applier.Release();
        }
    }

    // A plan names its lists itself: a member left out is a broken client, not "empty" (that would wipe the journal).
    private async Task<LivePlan> ReadPlanAsync(HttpRequest request)
    {
        var body = await HttpJson.ReadBodyAsync(request, _options.MaxJsonBytes).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body);
            var absent = document.RootElement.ValueKind != JsonValueKind.Object
                ? LivePlanRequiredMembers
                : LivePlanRequiredMembers.Where(name => !document.RootElement.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null).ToArray();
            if (absent.Length > 0)
            {
                throw new RuntimeError(RuntimeErrorCodes.InvalidPlan, 400, $"The plan is missing {string.Join(", ", absent.Select(a => $"'{a}'"))}; nothing was changed.");
            }

            return document.RootElement.Deserialize<LivePlan>(HttpJson.Options)!;
        }
        catch (JsonException ex)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, $"The request body is not valid JSON for LivePlan: {ex.Message}");
        }
    }

    private static readonly string[] LivePlanRequiredMembers = ["steps", "keepPrefix", "expectedPrefix", "environment"];

    private async Task MissingAsync(HttpContext context)
    {
        var request = await HttpJson.ReadAsync<MissingRequest>(context.Request, _options.MaxJsonBytes).ConfigureAwait(false);
        IReadOnlyList<ContentEntry> entries;
        if (request.Files is { } files && request.Blobs is null)
        {
            var manifest = new ContentManifest(files);
            PathRules.Validate(manifest, _options.MaxBlobBytes);
            entries = manifest.Files;
        }
        else if (request.Blobs is { } blobs && request.Files is null)
        {
            entries = blobs.Select(b => BlobEntry(b)).ToList();
        }
        else
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "Ask about either 'files' (a manifest) or 'blobs' (hash and size), not both or neither.");
        }

        var missing = await _blobs.MissingAsync(entries, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteAsync(context, 200, new MissingResponse(missing.Select(f => f.Sha256).ToList(), missing.Sum(f => f.Size))).ConfigureAwait(false);
    }

    // A bare blob is checked like a manifest entry (hash form, size limit); its path only names it in messages.
    private ContentEntry BlobEntry(BlobRef? blob)
    {
        if (blob is null)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "The blob list contains a null entry.");
        }

        PathRules.ValidateHash(blob.Sha256);
        if (blob.Size < 0 || blob.Size > _options.MaxBlobBytes)
        {
            throw new RuntimeError(RuntimeErrorCodes.BlobTooLarge, 413, $"Blob {blob.Sha256} declares {blob.Size} bytes; the limit is {_options.MaxBlobBytes}.");
        }

        return new ContentEntry(blob.Sha256, blob.Size, 420, blob.Sha256);
    }

    private async Task PutBlobAsync(HttpContext context, string sha256)
    {
        PathRules.ValidateHash(sha256);
        if (context.Request.ContentLength > _options.MaxBlobBytes)
        {
            throw new RuntimeError(RuntimeErrorCodes.BlobTooLarge, 413, $"Blob {sha256} is over the limit of {_options.MaxBlobBytes} bytes.");
        }

        var counting = new CountingStream(context.Request.Body);
        var stored = await _blobs.PutAsync(sha256, counting, _options.MaxBlobBytes, context.RequestAborted).ConfigureAwait(false);
        _metrics.SyncBytes.Add(counting.BytesRead);
        _metrics.Touch();
        await HttpJson.WriteAsync(context, stored ? 201 : 200, new BlobStored(sha256, stored)).ConfigureAwait(false);
    }

    private async Task GetBlobAsync(HttpContext context, string sha256)
    {
        PathRules.ValidateHash(sha256);
        if (!_blobs.Contains(sha256))
        {
            throw new RuntimeError(RuntimeErrorCodes.UnknownBlob, 404, $"Blob {sha256} is not on this pod.");
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/octet-stream";
        await context.Response.SendFileAsync(_blobs.PathOf(sha256), context.RequestAborted).ConfigureAwait(false);
    }

    private async Task ActivateAsync(HttpContext context)
    {
        var request = await ReadActivationAsync(context).ConfigureAwait(false);
        // Activation finishes even if the client leaves: a half-finished switch is what this design rules out.
        var (active, reused) = await _operations.ActivateAsync(request.Version, request.Manifest).ConfigureAwait(false);
        _metrics.Touch();
        await HttpJson.WriteAsync(context, 200, new ActivateResult(active.Version, active.Files, active.Bytes, reused)).ConfigureAwait(false);
    }

    // Activate, or say what is missing: a publish that changed nothing costs this one request per pod.
    private async Task DeployAsync(HttpContext context)
    {
        var request = await ReadActivationAsync(context).ConfigureAwait(false);
        _versions.RefuseWhenFrozen();
        VersionStore.ValidateVersionId(request.Version);
        PathRules.Validate(request.Manifest, _options.MaxBlobBytes);
        var missing = await _blobs.MissingAsync(request.Manifest.Files, context.RequestAborted).ConfigureAwait(false);
        if (missing.Count > 0)
        {
            await HttpJson.WriteAsync(context, 200, new DeployResponse(null, missing.Select(f => f.Sha256).ToList(), missing.Sum(f => f.Size))).ConfigureAwait(false);
            return;
        }

        var (active, reused) = await _operations.ActivateAsync(request.Version, request.Manifest).ConfigureAwait(false);
        _metrics.Touch();
        await HttpJson.WriteAsync(context, 200, new DeployResponse(new ActivateResult(active.Version, active.Files, active.Bytes, reused), [], 0, IsReady(active.Version))).ConfigureAwait(false);
    }

    private async Task<ActivateRequest> ReadActivationAsync(HttpContext context)
    {
        var request = await HttpJson.ReadAsync<ActivateRequest>(context.Request, _options.MaxJsonBytes).ConfigureAwait(false);
        return request.Manifest is null
            ? throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "The activation has no manifest.")
            : request;
    }

    private string? ActiveDirectory() => _operations.ActiveDirectory();

    private async Task RegisterClassAsync(HttpContext context, string type)
    {
        var body = await HttpJson.ReadBodyAsync(context.Request, _options.MaxJsonBytes).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "Init arguments are a JSON object {\"args\": [...], \"kwargs\": {...}}.");
            }
        }
        catch (JsonException ex)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, $"Init arguments are not valid JSON: {ex.Message}");
        }

        await _supervisor.RegisterClassAsync(type, body, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }

    private async Task CallAsync(HttpContext context, string kind, string type, string method)
    {
        var requestId = RequestId(context);
        var body = await HttpJson.ReadBodyAsync(context.Request, _options.MaxJsonBytes).ConfigureAwait(false);
        var streaming = context.Request.Headers.Accept.ToString().Contains(NdJson, StringComparison.OrdinalIgnoreCase);
        using var timeout = TimeoutSource(context);
        using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token);
        var token = linked?.Token ?? context.RequestAborted;

        _metrics.CallStarted();
        var started = Stopwatch.GetTimestamp();
        var failed = true;
        try
        {
            if (!streaming)
            {
                var reply = await WaitAsync(_supervisor.CallAsync(kind, type, method, requestId, body, null, token), token, timeout).ConfigureAwait(false);
                failed = !reply.Ok;
                if (reply.Error is { } error)
                {
                    await HttpJson.WriteErrorAsync(context, error with { Pod = _options.PodName, RequestId = requestId }).ConfigureAwait(false);
                    return;
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                if (reply.Version is not null)
                {
                    context.Response.Headers[PodRoutes.VersionHeader] = reply.Version;
                }

                await context.Response.Body.WriteAsync(reply.Result, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            failed = !await StreamCallAsync(context, kind, type, method, requestId, body, token, timeout).ConfigureAwait(false);
        }
        finally
        {
            _logs.EndOfRequest(requestId);
            _metrics.CallEnded(Stopwatch.GetElapsedTime(started), failed);
        }
    }

    // NDJSON: {"type":"log",...} lines while the call runs, then one {"type":"result",...} or {"type":"error",...}.
    private async Task<bool> StreamCallAsync(HttpContext context, string kind, string type, string method, string requestId, byte[] body, CancellationToken token, CancellationTokenSource? timeout)
    {
        var lines = Channel.CreateUnbounded<byte[]>();
        context.Response.StatusCode = 200;
        context.Response.ContentType = NdJson;
        var pump = Task.Run(async () =>
        {
            await foreach (var line in lines.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    await context.Response.Body.WriteAsync(line).ConfigureAwait(false);
                    if (lines.Reader.Count == 0)
                    {
                        await context.Response.Body.FlushAsync().ConfigureAwait(false);
                    }
                }
                catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException)
                {
                    // the caller went away; its output is still in the log hub and the container log
                }
            }
        });

        void OnLog(CallLogLine log) => lines.Writer.TryWrite(Line(JsonSerializer.SerializeToUtf8Bytes(new CallStreamLine { Type = PodEvents.CallLog, Stream = log.Stream, Line = log.Line }, PodJsonContext.Default.CallStreamLine)));

        WorkerReply reply;
        try
        {
            reply = await WaitAsync(_supervisor.CallAsync(kind, type, method, requestId, body, OnLog, token), token, timeout).ConfigureAwait(false);
        }
        catch (RuntimeError error)
        {
            reply = new WorkerReply(default, error.ToEnvelope(_options.PodName, _versions.Active?.Version, requestId));
        }

        if (reply.Error is { } failure)
        {
            lines.Writer.TryWrite(Line(JsonSerializer.SerializeToUtf8Bytes(new CallStreamLine { Type = PodEvents.CallError, Error = failure with { Pod = _options.PodName, RequestId = requestId } }, PodJsonContext.Default.CallStreamLine)));
        }
        else
        {
            // The value is user JSON already: spliced in as bytes after the header's fields, never parsed again.
            var header = JsonSerializer.SerializeToUtf8Bytes(new CallStreamLine { Type = PodEvents.CallResult, Version = reply.Version }, PodJsonContext.Default.CallStreamLine);
            var result = new byte[header.Length - 1 + ",\"value\":".Length + reply.Result.Length + 2];
            header.AsSpan(0, header.Length - 1).CopyTo(result);
            var offset = header.Length - 1;
            offset += Encoding.UTF8.GetBytes(",\"value\":", result.AsSpan(offset));
            reply.Result.Span.CopyTo(result.AsSpan(offset));
            offset += reply.Result.Length;
            result[offset++] = (byte)'}';
            result[offset] = (byte)'\n';
            lines.Writer.TryWrite(result);
        }

        lines.Writer.TryComplete();
        await pump.ConfigureAwait(false);
        return reply.Ok;
    }

    private static CancellationTokenSource? TimeoutSource(HttpContext context)
    {
        var header = context.Request.Headers[PodRoutes.TimeoutHeader].ToString();
        if (header.Length == 0)
        {
            return null;
        }

        if (!int.TryParse(header, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) || ms <= 0)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "X-Kt-Timeout-Ms must be a positive integer.");
        }

        return new CancellationTokenSource(ms);
    }

    private static async Task<WorkerReply> WaitAsync(Task<WorkerReply> call, CancellationToken token, CancellationTokenSource? timeout)
    {
        try
        {
            return await call.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true)
        {
            throw new RuntimeError(RuntimeErrorCodes.CallTimeout, 504, "The call did not finish within X-Kt-Timeout-Ms; it was cancelled.");
        }
    }

    private async Task FollowLogsAsync(HttpContext context)
    {
        var requestId = context.Request.Query["requestId"].ToString();
        var follow = context.Request.Query["follow"].ToString() is "1" or "true";
        var filter = requestId.Length == 0 ? null : requestId;
        var (history, live, unsubscribe) = _logs.Subscribe(filter, follow);
        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = NdJson;
            var seen = 0L;
            foreach (var record in history)
            {
                seen = record.Sequence;
                await WriteLogAsync(context, record).ConfigureAwait(false);
                if (record.End && filter is not null)
                {
                    return;
                }
            }

            await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
            if (live is null)
            {
                return;
            }

            await foreach (var record in live.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
            {
                if (record.Sequence <= seen || (filter is not null && record.RequestId != filter))
                {
                    continue;
                }

                await WriteLogAsync(context, record).ConfigureAwait(false);
                if (live.Count == 0)
                {
                    await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                }

                if (record.End && filter is not null)
                {
                    return;
                }
            }
        }
        finally
        {
            unsubscribe();
        }
    }

    private static Task WriteLogAsync(HttpContext context, LogHub.LogRecord record) =>
        context.Response.Body.WriteAsync(Line(JsonSerializer.SerializeToUtf8Bytes(record.End
            ? new LogLine(record.Sequence, record.RequestId, null, null, true)
            : new LogLine(record.Sequence, record.RequestId, record.Stream, record.Line, false), PodJsonContext.Default.LogLine)), context.RequestAborted).AsTask();

    private async Task ConfigureAppAsync(HttpContext context)
    {
        var settings = await HttpJson.ReadAsync<AppSettings>(context.Request, _options.MaxJsonBytes).ConfigureAwait(false);
        if (string.IsNullOrWhiteSpace(settings.Command) || settings.Port is <= 0 or > 65535)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "An app needs a command and a port between 1 and 65535.");
        }

        await _apps.ConfigureAsync(settings, ActiveDirectory(), _supervisor.Environment).ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }

    private Task ProxyAsync(HttpContext context, string path)
    {
        if (_apps.Settings is not { } settings)
        {
            throw new RuntimeError(RuntimeErrorCodes.AppNotConfigured, 404, "No app is configured on this pod (PUT /app or --app-command/--app-port).");
        }

        _metrics.Touch();
        return _proxy.ForwardAsync(context, settings.Port, path);
    }

    private static byte[] Line(byte[] json)
    {
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }
}
