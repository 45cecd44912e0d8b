using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Kt.PodRuntime.Hosting;
using Kt.PodRuntime.Journal;
using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Sync;

/// <summary>
/// A pod that starts behind its service (scale-up, a node lost, a restart that missed a deploy) catches up from a
/// running peer before it reports ready: the setup steps its journal lacks (replayed from the peer's journal, file
/// steps' blobs fetched from the peer), then the peer's code version (only missing blobs). Without a reachable peer
/// it starts as it is and the next deploy brings it up to date.
/// </summary>
internal sealed class PeerBootstrap(Uri peer, string token, BlobStore blobs, RuntimeOptions options, ILogger logger) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3) })
    {
        BaseAddress = peer,
        Timeout = TimeSpan.FromMinutes(10),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) },
    };

    /// <returns>What was caught up: setup steps run, and the version activated (null when it already matched or none).</returns>
    public async Task<(int Steps, string? Version)> RunAsync(JournalStore journal, PlanApplier applier, PodOperations operations, VersionStore versions, CancellationToken cancellationToken)
    {
        var steps = 0;
        // Only a peer of the same setup epoch: a newer epoch exists because the old setup must not be copied.
        var replayPath = "setup/replay?epoch=" + Uri.EscapeDataString(options.SetupEpoch ?? "");
        if (await GetJsonAsync<LivePlan>(replayPath, cancellationToken).ConfigureAwait(false) is { } replay)
        {
            var local = journal.Entries;
            var keep = 0;
            while (keep < local.Count && keep < replay.Steps.Count && local[keep].Key == replay.Steps[keep].Key)
            {
                keep++;
            }

            var plan = replay with
            {
                KeepPrefix = keep,
                ExpectedPrefix = local.Take(keep).Select(e => e.Key).ToList(),
                Steps = replay.Steps.Skip(keep).ToList(),
                JournalLength = local.Count,
            };
            if (!plan.IsEmpty || journal.Environment is null)
            {
                await FetchBlobsAsync(plan.Steps.Where(s => s.Files is not null).SelectMany(s => s.Files!.Manifest.Files), cancellationToken).ConfigureAwait(false);
                if (!applier.TryAcquire())
                {
                    throw new IOException("a deploy is applying a plan already; it brings this pod up to date");
                }

                try
                {
                    await operations.ApplyPlanAsync(plan, _ => default).ConfigureAwait(false);
                    steps = plan.Steps.Count;
                }
                finally
                {
                    applier.Release();
                }
            }
        }

        string? activated = null;
        if (await GetJsonAsync<ActivateRequest>("sync/manifest", cancellationToken).ConfigureAwait(false) is { } code && code.Version != versions.Active?.Version)
        {
            await FetchBlobsAsync(code.Manifest.Files, cancellationToken).ConfigureAwait(false);
            await operations.ActivateAsync(code.Version, code.Manifest).ConfigureAwait(false);
            activated = code.Version;
        }

        logger.LogInformation("Caught up with peer {Peer}: {Steps} setup step(s), version {Version}.", peer, steps, activated ?? "unchanged");
        return (steps, activated);
    }

    private async Task FetchBlobsAsync(IEnumerable<ContentEntry> files, CancellationToken cancellationToken)
    {
        foreach (var hash in files.Select(f => f.Sha256).Distinct(StringComparer.Ordinal).Where(h => !blobs.Contains(h)))
        {
            using var response = await _http.GetAsync($"sync/blobs/{hash}", HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            await using var content = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await blobs.PutAsync(hash, content, options.MaxBlobBytes, cancellationToken).ConfigureAwait(false); // verifies the hash
        }
    }

    private async Task<T?> GetJsonAsync<T>(string path, CancellationToken cancellationToken)
        where T : class
    {
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return JsonSerializer.Deserialize<T>(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), HttpJson.Options);
    }

    public void Dispose() => _http.Dispose();
}
