using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kt.Core;

namespace Kt.PodRuntime.Client;

/// <summary>
/// The client of one pod runtime: sync code, apply setup plans, read the journal, call functions and classes, follow
/// logs, wait for readiness. Errors answered by the pod are thrown as <see cref="RemoteException"/>.
/// </summary>
public sealed class PodClient : IDisposable
{
    private const string NdJson = PodRoutes.NdJson;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ManifestBuilder _manifests = new();

    /// <param name="baseAddress">The runtime's address, e.g. <c>http://10.0.0.7:32300/</c>.</param>
    /// <param name="token">The bearer token; sent on every request, never logged.</param>
    /// <param name="handler">Optional handler (tests, port-forward tunnels).</param>
    public PodClient(Uri baseAddress, string token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentException.ThrowIfNullOrEmpty(token);
        ClientTracing.EnsureExport();
        _http = new HttpClient(handler ?? new SocketsHttpHandler { UseProxy = false, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2) }, disposeHandler: handler is null)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _ownsHttp = true;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>
    /// Starts this process's OTLP export of Kt's client and deploy spans when the standard OTEL_EXPORTER_OTLP_* variables
    /// name an endpoint (once per process; a new <see cref="PodClient"/> does it too). With none set, nothing of the
    /// OpenTelemetry SDK is loaded. <c>KT_OTEL_CLIENT_EXPORT=false</c> leaves exporting to an SDK the app runs itself.
    /// </summary>
    public static void EnsureTelemetryExport() => ClientTracing.EnsureExport();

    /// <summary>How many upload requests run at once during a sync.</summary>
    public int UploadConcurrency { get; init; } = 4;

    // ---- health and readiness -------------------------------------------------------------------------------

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _http.GetAsync(PodRoutes.Relative(PodRoutes.Health), cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>The pod's identity from /health (service and pod name), or null when it does not answer.</summary>
    public async Task<PodIdentity?> GetIdentityAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _http.GetAsync(PodRoutes.Relative(PodRoutes.Health), cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var health = await ReadAsync(response, PodJsonContext.Default.HealthResponse, cancellationToken).ConfigureAwait(false);
            return new PodIdentity(health.Service ?? "", health.Pod ?? "");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException)
        {
            return null;
        }
    }

    /// <summary>True when the pod serves <paramref name="version"/> (any version when null) and its setup is active.</summary>
    public async Task<bool> IsReadyAsync(string? version = null, CancellationToken cancellationToken = default)
    {
        var ready = PodRoutes.Relative(PodRoutes.Ready);
        var path = version is null ? ready : $"{ready}?version={Uri.EscapeDataString(version)}";
        try
        {
            using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.Unauthorized)
            {
                await ThrowAsync(response, cancellationToken).ConfigureAwait(false);
            }

            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>What <c>GET /ready</c> says: whether the pod is ready, the version its worker serves, the state of its setup.</summary>
    public async Task<ReadyResponse> GetReadyStateAsync(CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(PodRoutes.Relative(PodRoutes.Ready), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable))
        {
            await ThrowAsync(response, cancellationToken).ConfigureAwait(false); // 503 is an answer here: not ready, with the reason in its body
        }

        return await ReadAsync(response, PodJsonContext.Default.ReadyResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Polls /ready until it answers 200; throws KT4060 after <paramref name="timeout"/>.</summary>
    public async Task WaitReadyAsync(string? version, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        var delay = TimeSpan.FromMilliseconds(5);
        while (!await IsReadyAsync(version, cancellationToken).ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new KtException(RuntimeErrorCodes.NotReady, $"The pod at {BaseAddress} was not ready{(version is null ? string.Empty : $" with version {version}")} within {timeout.TotalSeconds:0.#} s.");
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(200, delay.TotalMilliseconds * 2));
        }
    }

    public async Task<string> GetMetricsAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, PodRoutes.Relative(PodRoutes.Metrics)), cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    // ---- code sync ------------------------------------------------------------------------------------------

    /// <summary>
    /// Makes <paramref name="folder"/> the pod's active code version: computes the manifest, uploads only the blobs
    /// the pod lacks, and activates atomically. The version id defaults to a prefix of the manifest digest.
    /// </summary>
    public async Task<SyncResult> SyncAsync(string folder, string? version = null, CancellationToken cancellationToken = default)
    {
        var since = _manifests.LastBuilt;
        var manifest = await _manifests.BuildAsync(folder, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await SyncAsync(folder, manifest, version, since, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Syncs a manifest computed beforehand (once for every replica of a service): asks the pod to activate it, and only
    /// when it names missing blobs uploads them from <paramref name="folder"/> and asks again. A pod that has every
    /// blob costs one request.
    /// </summary>
    public Task<SyncResult> SyncAsync(string folder, ContentManifest manifest, string? version = null, CancellationToken cancellationToken = default) =>
        SyncAsync(folder, manifest, version, since: null, cancellationToken: cancellationToken);

    /// <summary>
    /// As <see cref="SyncAsync(string, ContentManifest, string?, CancellationToken)"/>; when the pod is believed to serve
    /// <paramref name="since"/> (the manifest synced before), only the changes travel and are checked
    /// (<c>POST /sync/deploy/changes</c>), so a one-file change costs the same in a 10-file and a 10,000-file app. A pod
    /// that serves something else (or predates the route, or lost a blob of an unchanged file) gets the whole manifest.
    /// </summary>
    /// <param name="expectedJournal">
    /// The <see cref="JournalDigest"/> of the journal the caller planned the setup against, when it did not read it for
    /// this deploy: a pod whose journal moved refuses with KT4055 (a <see cref="RemoteException"/>) and changes nothing.
    /// </param>
    public async Task<SyncResult> SyncAsync(string folder, ContentManifest manifest, string? version, ContentManifest? since, string? expectedJournal = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        version ??= VersionOf(manifest);
        var (blobs, bytes) = (0, 0L);
        Dictionary<string, BlobSource>? sources = null;
        BlobSource Source(string hash)
        {
            sources ??= manifest.Files.DistinctBy(f => f.Sha256, StringComparer.Ordinal).ToDictionary(f => f.Sha256, f => new BlobSource(f.Sha256, f.Size, Path.Combine(folder, f.Path)), StringComparer.Ordinal);
            return sources.TryGetValue(hash, out var source) ? source : throw new KtException(RuntimeErrorCodes.MalformedRequest, $"The pod asked for blob {hash}, which the manifest does not list.");
        }

        if (since is not null)
        {
            var changes = ManifestChanges.Between(since, manifest, version) with { Journal = expectedJournal };
            for (var round = 0; round < 3; round++)
            {
                DeployResponse answer;
                try
                {
                    answer = await DeployChangesAsync(changes, cancellationToken).ConfigureAwait(false);
                }
                catch (RemoteException e) when (e.Code is RuntimeErrorCodes.ChangesBaseMismatch or RuntimeErrorCodes.UnknownBlob or RuntimeErrorCodes.RouteNotFound || e.StatusCode == 404)
                {
                    break; // the pod serves another base, lost an unchanged file's blob, or predates the route: the whole manifest
                }

                if (answer.Activated is { } done)
                {
                    return new SyncResult(done.Version, done.Files, done.Bytes, blobs, bytes, done.Reused, answer.Ready);
                }

                var needed = answer.Missing.Select(Source).ToList();
                await UploadAsync(needed, cancellationToken).ConfigureAwait(false);
                blobs += needed.Count;
                bytes += needed.Sum(u => u.Size);
            }
        }

        // Twice at most: blobs collected between the upload and the second ask are a race worth one more round, not a loop.
        for (var round = 0; round < 3; round++)
        {
            var answer = await DeployAsync(version, manifest, expectedJournal, cancellationToken).ConfigureAwait(false);
            if (answer is null)
            {
                // A runtime from before /sync/deploy (a pod that kept running across an upgrade): the two-step sync.
                (blobs, bytes) = await UploadMissingAsync(folder, manifest, cancellationToken).ConfigureAwait(false);
                var activation = await ActivateAsync(version, manifest, cancellationToken).ConfigureAwait(false);
                return new SyncResult(activation.Version, activation.Files, activation.Bytes, blobs, bytes, activation.Reused);
            }

            if (answer.Activated is { } activated)
            {
                return new SyncResult(activated.Version, activated.Files, activated.Bytes, blobs, bytes, activated.Reused, answer.Ready);
            }

            var uploads = answer.Missing.Select(Source).ToList();
            await UploadAsync(uploads, cancellationToken).ConfigureAwait(false);
            blobs += uploads.Count;
            bytes += uploads.Sum(u => u.Size);
        }

        throw new KtException(RuntimeErrorCodes.UnknownBlob, $"The pod at {BaseAddress} still lacked blobs after they were uploaded twice; sync again.");
    }

    /// <summary>One round trip: activates the manifest when the pod has every blob, else names the missing ones (null: the pod predates this route).</summary>
    public Task<DeployResponse?> DeployAsync(string version, ContentManifest manifest, CancellationToken cancellationToken = default) =>
        DeployAsync(version, manifest, expectedJournal: null, cancellationToken);

    /// <summary>As <see cref="DeployAsync(string, ContentManifest, CancellationToken)"/>, refused (KT4055) by a pod whose journal is not <paramref name="expectedJournal"/>.</summary>
    public async Task<DeployResponse?> DeployAsync(string version, ContentManifest manifest, string? expectedJournal, CancellationToken cancellationToken = default)
    {
        var body = new ActivateRequest(version, manifest) { Journal = expectedJournal };
        var request = new HttpRequestMessage(HttpMethod.Post, PodRoutes.Relative(PodRoutes.SyncDeploy)) { Content = Json(body, PodJsonContext.Default.ActivateRequest) };
        using (request)
        {
            ClientTracing.Propagate(request);
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound && response.Content.Headers.ContentLength is 0 or null && !response.Headers.Contains(PodRoutes.ErrorCodeHeader))
            {
                return null;
            }

            if (!response.IsSuccessStatusCode)
            {
                await ThrowAsync(response, cancellationToken).ConfigureAwait(false);
            }

            return await ReadAsync(response, PodJsonContext.Default.DeployResponse, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One round trip with only the changes since the pod's active manifest: activates, or names the missing blobs.</summary>
    public async Task<DeployResponse> DeployChangesAsync(ManifestChanges changes, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, PodRoutes.Relative(PodRoutes.SyncDeployChanges)) { Content = Json(changes, PodJsonContext.Default.ManifestChanges) };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, PodJsonContext.Default.DeployResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Uploads the blobs of a folder the pod lacks (used before a plan with copy/sync file steps).</summary>
    public async Task<ContentManifest> UploadFolderBlobsAsync(string folder, CancellationToken cancellationToken = default)
    {
        var manifest = await _manifests.BuildAsync(folder, cancellationToken: cancellationToken).ConfigureAwait(false);
        await UploadMissingAsync(folder, manifest, cancellationToken).ConfigureAwait(false);
        return manifest;
    }

    /// <summary>Computes a folder's manifest (cached hashes) without talking to the pod.</summary>
    public Task<ContentManifest> BuildManifestAsync(string folder, IReadOnlyCollection<string>? excludedFolders = null, CancellationToken cancellationToken = default) =>
        _manifests.BuildAsync(folder, excludedFolders, cancellationToken);

    /// <summary>Which of the manifest's blobs the pod does not have.</summary>
    public Task<IReadOnlyList<string>> GetMissingAsync(ContentManifest manifest, CancellationToken cancellationToken = default) =>
        GetMissingAsync(new MissingRequest { Files = manifest.Files }, cancellationToken);

    private async Task<IReadOnlyList<string>> GetMissingAsync(MissingRequest query, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, PodRoutes.Relative(PodRoutes.SyncMissing)) { Content = Json(query, PodJsonContext.Default.MissingRequest) };
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        return (await ReadAsync(response, PodJsonContext.Default.MissingResponse, cancellationToken).ConfigureAwait(false)).Missing;
    }

    /// <summary>Streams one blob; the pod verifies its hash and size.</summary>
    public async Task UploadBlobAsync(string sha256, Stream content, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, PodRoutes.Blob(sha256)) { Content = new StreamContent(content) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SyncResult> ActivateAsync(string version, ContentManifest manifest, CancellationToken cancellationToken = default)
    {
        var body = Json(new ActivateRequest(version, manifest), PodJsonContext.Default.ActivateRequest);
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, PodRoutes.Relative(PodRoutes.SyncActivate)) { Content = body }, cancellationToken).ConfigureAwait(false);
        var result = await ReadAsync(response, PodJsonContext.Default.ActivateResult, cancellationToken).ConfigureAwait(false);
        return new SyncResult(result.Version, result.Files, result.Bytes, 0, 0, result.Reused);
    }

    // ---- IL deltas ------------------------------------------------------------------------------------------

    /// <summary>What the pod's worker runtime can apply as IL deltas, and the version it serves (<c>GET /code/delta</c>).</summary>
    public async Task<DeltaCapabilities> GetDeltaCapabilitiesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, PodRoutes.Relative(PodRoutes.CodeDelta)), cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, PodJsonContext.Default.DeltaCapabilities, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Applies one generation of IL deltas to the running worker (<c>POST /code/delta</c>); the pod then serves the
    /// returned version (<c>X+N</c>). A <see cref="RemoteException"/> with KT4070–KT4072 when it did not: the pod serves
    /// what it served.
    /// </summary>
    public async Task<DeltaResult> ApplyDeltaAsync(DeltaRequest delta, CancellationToken cancellationToken = default)
    {
        var body = Json(delta, PodJsonContext.Default.DeltaRequest);
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, PodRoutes.Relative(PodRoutes.CodeDelta)) { Content = body }, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, PodJsonContext.Default.DeltaResult, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Truth after speed (<c>POST /code/settle</c>): the folder's files — the whole build behind the deltas the pod serves
    /// as <paramref name="servingVersion"/> — become the pod's version on disk, its running worker untouched; blobs it
    /// lacks are uploaded first. A <see cref="RemoteException"/> KT4071 when the pod serves another version.
    /// </summary>
    /// <returns>The version on disk now, and how many blobs travelled.</returns>
    public async Task<SyncResult> SettleAsync(string folder, ContentManifest manifest, string servingVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var version = VersionOf(manifest);
        var sources = manifest.Files.DistinctBy(f => f.Sha256, StringComparer.Ordinal).ToDictionary(f => f.Sha256, f => new BlobSource(f.Sha256, f.Size, Path.Combine(folder, f.Path)), StringComparer.Ordinal);
        var (blobs, bytes) = (0, 0L);
        for (var round = 0; round < 3; round++)
        {
            var body = Json(new SettleRequest(servingVersion, version, manifest), PodJsonContext.Default.SettleRequest);
            using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Post, PodRoutes.Relative(PodRoutes.CodeSettle)) { Content = body }, cancellationToken).ConfigureAwait(false);
            var answer = await ReadAsync(response, PodJsonContext.Default.DeployResponse, cancellationToken).ConfigureAwait(false);
            if (answer.Activated is { } settled)
            {
                return new SyncResult(settled.Version, settled.Files, settled.Bytes, blobs, bytes, false, true);
            }

            var uploads = answer.Missing.Select(h => sources.TryGetValue(h, out var source) ? source : throw new KtException(RuntimeErrorCodes.MalformedRequest, $"The pod asked for blob {h}, which the manifest does not list.")).ToList();
            await UploadAsync(uploads, cancellationToken).ConfigureAwait(false);
            blobs += uploads.Count;
            bytes += uploads.Sum(u => u.Size);
        }

        throw new KtException(RuntimeErrorCodes.UnknownBlob, $"The pod at {BaseAddress} still lacked blobs after they were uploaded twice; settle again.");
    }

    private Task<(int Blobs, long Bytes)> UploadMissingAsync(string folder, ContentManifest manifest, CancellationToken cancellationToken) =>
        UploadMissingAsync(manifest.Files.Select(f => new BlobSource(f.Sha256, f.Size, Path.Combine(folder, f.Path))).ToList(), cancellationToken);

    /// <summary>Uploads, from wherever they are on this machine, the blobs the pod lacks (the files of copy/sync steps).</summary>
    public async Task<(int Blobs, long Bytes)> UploadMissingAsync(IReadOnlyList<BlobSource> blobs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        if (blobs.Count == 0)
        {
            return (0, 0);
        }

        var query = new MissingRequest { Blobs = blobs.DistinctBy(b => b.Sha256, StringComparer.Ordinal).Select(b => new BlobRef(b.Sha256, b.Size)).ToList() };
        var missing = (await GetMissingAsync(query, cancellationToken).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
        var uploads = blobs.Where(b => missing.Remove(b.Sha256)).ToList();
        await UploadAsync(uploads, cancellationToken).ConfigureAwait(false);
        return (uploads.Count, uploads.Sum(u => u.Size));
    }

    private Task UploadAsync(IReadOnlyList<BlobSource> uploads, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(uploads, new ParallelOptions { MaxDegreeOfParallelism = UploadConcurrency, CancellationToken = cancellationToken }, async (blob, ct) =>
        {
            await using var stream = File.OpenRead(blob.Path);
            await UploadBlobAsync(blob.Sha256, stream, ct).ConfigureAwait(false);
        });

    /// <summary>The version id a sync gives a manifest when none is named: a prefix of its digest (<see cref="ManifestDigest"/>).</summary>
    public static string VersionOf(ContentManifest manifest) => ManifestDigest.VersionOf(manifest);

    // ---- setup plans and journal --------------------------------------------------------------------------

    /// <summary>Applies a live plan, reporting each event; throws <see cref="RemoteException"/> (KT4010 stale, KT4011 step failed, …).</summary>
    public async Task<PlanResult> ApplyPlanAsync(LivePlan plan, IProgress<PlanEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, PodRoutes.Relative(PodRoutes.SetupPlan)) { Content = Json(plan, PodJsonContext.Default.LivePlan) };
        request.Headers.Accept.ParseAdd(NdJson);
        using var response = await SendAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        var steps = 0;
        await foreach (var e in ReadLinesAsync(response, PodJsonContext.Default.PlanEvent, cancellationToken).ConfigureAwait(false))
        {
            progress?.Report(e);
            switch (e.Event)
            {
                case PodEvents.StepDone:
                    steps++;
                    break;
                case PodEvents.Done:
                    return new PlanResult(steps, e.JournalLength ?? 0, e.EnvironmentChanged ?? false);
                case PodEvents.Error:
                    throw new RemoteException(e.Error ?? new ErrorEnvelope { Message = "The plan failed." }, e.Error?.Status ?? 500);
            }
        }

        throw new KtException(RuntimeErrorCodes.MalformedRequest, "The plan stream ended without a result (the connection was lost); GET the journal to see what was applied.");
    }

    public async Task<IReadOnlyList<JournalEntry>> GetJournalAsync(CancellationToken cancellationToken = default) =>
        (await GetJournalStateAsync(cancellationToken).ConfigureAwait(false)).Entries;

    /// <summary>The journal with the outcome of the last plan (a failed setup is cleared by any plan, even an empty one).</summary>
    public async Task<JournalResponse> GetJournalStateAsync(CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, PodRoutes.Relative(PodRoutes.Journal)), cancellationToken).ConfigureAwait(false);
        var journal = await ReadAsync(response, PodJsonContext.Default.JournalResponse, cancellationToken).ConfigureAwait(false);
        return journal with { Entries = journal.Entries ?? [], Setup = journal.Setup ?? SetupStates.None }; // an older runtime sends no setup (nor base)
    }

    // ---- calls ----------------------------------------------------------------------------------------------

    /// <summary>Calls a static method <c>type.method</c> of the active version.</summary>
    public Task<T?> CallAsync<T>(string type, string method, object?[]? args = null, IReadOnlyDictionary<string, object?>? kwargs = null, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<T>(PodRoutes.FunctionOf(type, method), args, kwargs, options, cancellationToken);

    /// <summary>Calls an instance method on the pod's instance of <paramref name="type"/> (created once per version from its init arguments).</summary>
    public Task<T?> CallMethodAsync<T>(string type, string method, object?[]? args = null, IReadOnlyDictionary<string, object?>? kwargs = null, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        InvokeAsync<T>(PodRoutes.ClassMethodOf(type, method), args, kwargs, options, cancellationToken);

    /// <summary>
    /// Calls a static method whose result is a stream (<c>IAsyncEnumerable&lt;T&gt;</c>, a lazy <c>IEnumerable&lt;T&gt;</c>):
    /// its elements as the pod produces them, read only as fast as the caller consumes them (the pod's producer waits
    /// meanwhile); leaving the loop cancels the remote iterator. A method returning a collection gives its elements, one
    /// returning a single value gives that value. A failure is thrown where it happened, after the elements before it.
    /// </summary>
    public IAsyncEnumerable<T?> StreamAsync<T>(string type, string method, object?[]? args = null, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        StreamElementsAsync<T>(PodRoutes.FunctionOf(type, method), args, options, cancellationToken);

    /// <summary>As <see cref="StreamAsync{T}"/>, for an instance method on the pod's instance of <paramref name="type"/>.</summary>
    public IAsyncEnumerable<T?> StreamMethodAsync<T>(string type, string method, object?[]? args = null, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        StreamElementsAsync<T>(PodRoutes.ClassMethodOf(type, method), args, options, cancellationToken);

    /// <summary>Registers the constructor arguments of a class service; its instance is (re)created from them.</summary>
    public async Task InitClassAsync(string type, object?[]? args = null, IReadOnlyDictionary<string, object?>? kwargs = null, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Put, PodRoutes.ClassOf(type)) { Content = Json(new { args = args ?? [], kwargs = kwargs ?? new Dictionary<string, object?>() }) }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts (or restarts) the pod's app: a shell command run in the code folder, listening on <paramref name="port"/>.</summary>
    public async Task SetAppAsync(string command, int port, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Put, PodRoutes.Relative(PodRoutes.App)) { Content = Json(new AppSettings(command, port), PodJsonContext.Default.AppSettings) }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The raw form of a call: path, body and options; returns the JSON result.</summary>
    public async Task<JsonElement> CallRawAsync(string path, string jsonBody, CallOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var document = await InvokeDocumentAsync(path, new StringContent(jsonBody, Encoding.UTF8, "application/json"), options, cancellationToken).ConfigureAwait(false);
        return document.RootElement.Clone();
    }

    private async Task<T?> InvokeAsync<T>(string path, object?[]? args, IReadOnlyDictionary<string, object?>? kwargs, CallOptions? options, CancellationToken cancellationToken)
    {
        var body = Json(new { args = args ?? [], kwargs = kwargs ?? new Dictionary<string, object?>() });
        using var document = await InvokeDocumentAsync(path, body, options, cancellationToken).ConfigureAwait(false);
        return document.RootElement.Deserialize<T>(ClientJson.Options);
    }

    // The call's client span, current while the request is sent so that its context travels. Off (no listener), the
    // untraced call is returned as it is: no second state machine on the warm path.
    private Task<JsonDocument> InvokeDocumentAsync(string path, HttpContent body, CallOptions? options, CancellationToken cancellationToken) =>
        ClientTracing.StartCall(path) is { } activity
            ? InvokeDocumentTracedAsync(activity, path, body, options, cancellationToken)
            : InvokeDocumentUntracedAsync(path, body, options, cancellationToken);

    private async Task<JsonDocument> InvokeDocumentTracedAsync(System.Diagnostics.Activity activity, string path, HttpContent body, CallOptions? options, CancellationToken cancellationToken)
    {
        using (activity)
        {
            try
            {
                return await InvokeDocumentUntracedAsync(path, body, options, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ClientTracing.Failed(activity, ex))
            {
                throw; // never reached: the filter records the failure on the span and declines
            }
        }
    }

    private async Task<JsonDocument> InvokeDocumentUntracedAsync(string path, HttpContent body, CallOptions? options, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        if (options?.RequestId is { } requestId)
        {
            request.Headers.Add(PodRoutes.RequestIdHeader, requestId);
        }

        if (options?.Timeout is { } timeout)
        {
            request.Headers.Add(PodRoutes.TimeoutHeader, ((long)Math.Max(1, timeout.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (options?.OnLog is not { } onLog)
        {
            using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
            return await ReadDocumentAsync(response, cancellationToken).ConfigureAwait(false);
        }

        request.Headers.Accept.ParseAdd(NdJson);
        using (var response = await SendAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false))
        {
            var responseRequestId = response.Headers.TryGetValues(PodRoutes.RequestIdHeader, out var ids) ? ids.FirstOrDefault() : null;
            await foreach (var line in ReadLinesAsync(response, PodJsonContext.Default.CallStreamLine, cancellationToken).ConfigureAwait(false))
            {
                switch (line.Type)
                {
                    case PodEvents.CallLog:
                        onLog(new RemoteLogLine(responseRequestId, line.Stream, line.Line));
                        break;
                    case PodEvents.CallResult:
                        return JsonDocument.Parse(line.Value is { } value ? value.GetRawText() : "null");
                    case PodEvents.CallError:
                        var error = line.Error ?? new ErrorEnvelope { Message = "The call failed.", Status = 500 };
                        throw new RemoteException(error, error.Status);
                }
            }
        }

        throw new KtException(RuntimeErrorCodes.MalformedRequest, "The call stream ended without a result (the connection was lost).");
    }

    private async IAsyncEnumerable<T?> StreamElementsAsync<T>(string path, object?[]? args, CallOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = Json(new { args = args ?? [], kwargs = new Dictionary<string, object?>() });
        await foreach (var value in CallValuesAsync(path, body, options, cancellationToken).ConfigureAwait(false))
        {
            if (value.IsItem || value.Value.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
            {
                yield return value.Value.Deserialize<T>(ClientJson.Options);
            }
            else if (value.Value.ValueKind == JsonValueKind.Array)
            {
                foreach (var element in value.Value.EnumerateArray())
                {
                    yield return element.Deserialize<T>(ClientJson.Options);
                }
            }
        }
    }

    /// <summary>
    /// A call that takes a stream result item by item (<see cref="PodRoutes.StreamHeader"/>): each element of a stream
    /// as it arrives (<see cref="CallValue.IsItem"/>), or the one result of any other method. Output lines go to
    /// <see cref="CallOptions.OnLog"/>. Disposing the enumeration early closes the request, which cancels the call.
    /// </summary>
    public async IAsyncEnumerable<CallValue> CallValuesAsync(string path, HttpContent body, CallOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var activity = ClientTracing.StartCall(path); // ends when the enumeration does
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = body };
        if (options?.RequestId is { } requestId)
        {
            request.Headers.Add(PodRoutes.RequestIdHeader, requestId);
        }

        if (options?.Timeout is { } timeout)
        {
            request.Headers.Add(PodRoutes.TimeoutHeader, ((long)Math.Max(1, timeout.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        request.Headers.Accept.ParseAdd(NdJson);
        request.Headers.Add(PodRoutes.StreamHeader, PodRoutes.StreamItems);
        using var response = await SendAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        var responseRequestId = response.Headers.TryGetValues(PodRoutes.RequestIdHeader, out var ids) ? ids.FirstOrDefault() : null;
        var streamed = false;
        await foreach (var line in ReadLinesAsync(response, PodJsonContext.Default.CallStreamLine, cancellationToken).ConfigureAwait(false))
        {
            switch (line.Type)
            {
                case PodEvents.CallLog:
                    options?.OnLog?.Invoke(new RemoteLogLine(responseRequestId, line.Stream, line.Line));
                    break;
                case PodEvents.CallStream:
                    streamed = true;
                    break;
                case PodEvents.CallItem:
                    yield return new CallValue(true, line.Value ?? NullElement);
                    break;
                case PodEvents.CallResult:
                    if (!streamed)
                    {
                        yield return new CallValue(false, line.Value ?? NullElement);
                    }

                    yield break;
                case PodEvents.CallError:
                    var error = line.Error ?? new ErrorEnvelope { Message = "The call failed.", Status = 500 };
                    throw new RemoteException(error, error.Status);
            }
        }

        throw new KtException(RuntimeErrorCodes.MalformedRequest, "The call stream ended without a result (the connection was lost).");
    }

    private static readonly JsonElement NullElement = JsonDocument.Parse("null").RootElement.Clone();

    // ---- logs -----------------------------------------------------------------------------------------------

    /// <summary>
    /// Reads the pod's retained call output (of one request when <paramref name="requestId"/> is set) and, when
    /// following, new lines as they come; a followed request ends with its end marker.
    /// </summary>
    public async IAsyncEnumerable<RemoteLogLine> FollowLogsAsync(string? requestId = null, bool follow = true, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (requestId is not null)
        {
            query.Add("requestId=" + Uri.EscapeDataString(requestId));
        }

        if (follow)
        {
            query.Add("follow=true");
        }

        var request = new HttpRequestMessage(HttpMethod.Get, PodRoutes.Relative(PodRoutes.Logs) + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query)));
        using var response = await SendAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        await foreach (var record in ReadLinesAsync(response, PodJsonContext.Default.LogLine, cancellationToken).ConfigureAwait(false))
        {
            var line = new RemoteLogLine(record.RequestId, record.Stream, record.Line, record.End);
            yield return line;
            if (line.End && requestId is not null)
            {
                yield break;
            }
        }
    }

    // ---- plumbing -------------------------------------------------------------------------------------------

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using (request)
        {
            ClientTracing.Propagate(request);
            var response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                using (response)
                {
                    await ThrowAsync(response, cancellationToken).ConfigureAwait(false);
                }
            }

            return response;
        }
    }

    private static async Task ThrowAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        ErrorEnvelope? error = null;
        try
        {
            error = JsonSerializer.Deserialize(text, PodJsonContext.Default.ErrorEnvelope);
        }
        catch (JsonException)
        {
        }

        error ??= new ErrorEnvelope { Message = $"HTTP {(int)response.StatusCode}: {text[..Math.Min(text.Length, 500)]}", Status = (int)response.StatusCode };
        throw new RemoteException(error, (int)response.StatusCode);
    }

    private static async Task<JsonDocument> ReadDocumentAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        return await JsonSerializer.DeserializeAsync(stream, type, cancellationToken).ConfigureAwait(false)
            ?? throw new KtException(RuntimeErrorCodes.MalformedRequest, $"The pod at {response.RequestMessage?.RequestUri} answered null for {typeof(T).Name}.");
    }

    private static async IAsyncEnumerable<T> ReadLinesAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                yield return JsonSerializer.Deserialize(line, type)!;
            }
        }
    }

    private static ByteArrayContent Json<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    // User values (call arguments): reflection, since their types are the caller's.
    private static ByteArrayContent Json<T>(T value)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, ClientJson.Options));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
