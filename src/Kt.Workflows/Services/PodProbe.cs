using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;

namespace Kt.Workflows.Services;

/// <summary>Asks each running pod of a listed service what it serves: <c>GET /ready</c> and <c>GET /journal</c>, in parallel.</summary>
internal static class PodProbe
{
    /// <summary>A pod that does not answer within this is shown as unreachable, not waited for.</summary>
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

    public static async Task<ServiceStatus> StatusAsync(IComputeBackend backend, CatalogService listed, CancellationToken cancellationToken)
    {
        // FindAsync gives addresses with the token (on Kubernetes it opens the port-forwards the backend keeps).
        var running = listed.Pods.Any(p => p.State.StartsWith("running", StringComparison.OrdinalIgnoreCase))
            ? await backend.FindAsync(listed.Service, cancellationToken).ConfigureAwait(false)
            : null;
        var endpoints = running?.Pods.ToDictionary(p => p.Name, StringComparer.Ordinal) ?? [];
        var pods = await Task.WhenAll(listed.Pods.Select(pod => ProbeAsync(pod, endpoints.GetValueOrDefault(pod.Name), cancellationToken))).ConfigureAwait(false);
        return new ServiceStatus(listed, pods, running);
    }

    private static async Task<PodStatus> ProbeAsync(CatalogPod pod, PodEndpoint? endpoint, CancellationToken cancellationToken)
    {
        if (endpoint is null)
        {
            return new PodStatus(pod, null, null, null, [], "not answering");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AnswerTimeout);
        using var client = new PodClient(endpoint.Address, endpoint.Token);
        try
        {
            var ready = client.GetReadyStateAsync(timeout.Token);
            var journal = client.GetJournalStateAsync(timeout.Token);
            await Task.WhenAll(ready, journal).ConfigureAwait(false);
            var answer = await ready.ConfigureAwait(false);
            return new PodStatus(pod, endpoint, answer.Version, answer.Setup, (await journal.ConfigureAwait(false)).Entries, null) { OomKill = answer.OomKill };
        }
        catch (Exception e) when (e is HttpRequestException or RemoteException or KtException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new PodStatus(pod, endpoint, null, null, [], e is OperationCanceledException ? $"no answer within {AnswerTimeout.TotalSeconds:0} s" : e.Message);
        }
    }
}

/// <summary>A service with what each pod says about itself; <see cref="Running"/> holds the addresses when every pod runs.</summary>
public sealed record ServiceStatus(CatalogService Service, IReadOnlyList<PodStatus> Pods, ServicePods? Running)
{
    /// <summary>The version every answering pod serves, <c>mixed</c> when they differ, null when none answered.</summary>
    public string? Version => Pods.Select(p => p.Version).Where(v => v is not null).Distinct(StringComparer.Ordinal).ToList() switch
    {
        [] => null,
        [var one] => one,
        _ => "mixed",
    };

    /// <summary>The most setup steps any answering pod has journaled.</summary>
    public int? Steps => Pods.Where(p => p.Unreachable is null && p.Endpoint is not null).Select(p => (int?)p.Journal.Count).Max();

    /// <summary>When the oldest pod started.</summary>
    public DateTimeOffset? Started => Service.Pods.Select(p => p.Started).Where(s => s is not null).Min();
}

/// <summary>One pod: the backend's view, and the pod's own answer (or why there is none).</summary>
/// <param name="Setup">none, applying, ok or failed (<see cref="SetupStates"/>).</param>
public sealed record PodStatus(CatalogPod Pod, PodEndpoint? Endpoint, string? Version, string? Setup, IReadOnlyList<JournalEntry> Journal, string? Unreachable)
{
    /// <summary>The last worker the pod's kernel killed for memory, as the pod reports it (null: none, or an older runtime).</summary>
    public OomKillReport? OomKill { get; init; }
}
