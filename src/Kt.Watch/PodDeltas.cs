using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;

namespace Kt.Watch;

/// <summary>
/// The watch's line to the pods for IL deltas: what every pod's runtime can apply (the capabilities all of them share;
/// a delta goes out only when all can take it) and the version they serve (<c>X</c>, then <c>X+N</c>). A delta goes to
/// every pod at once, each fenced by that version, so all pods take the same deltas in the same order.
/// </summary>
internal sealed class PodDeltas : IDisposable
{
    private readonly IReadOnlyList<(PodEndpoint Pod, PodClient Client)> _pods;

    private PodDeltas(IReadOnlyList<(PodEndpoint, PodClient)> pods, string version, ISet<string> capabilities)
    {
        _pods = pods;
        Version = version;
        Capabilities = capabilities;
    }

    /// <summary>The first pod's address and token (for the turn's report).</summary>
    public Uri Endpoint => _pods[0].Pod.Address;

    public string Token => _pods[0].Pod.Token;

    public IReadOnlyList<PodEndpoint> Pods => [.. _pods.Select(p => p.Pod)];

    /// <summary>The version every pod serves, deltas included.</summary>
    public string Version { get; private set; }

    /// <summary>The Edit-and-Continue capabilities every pod's runtime has (empty: deltas are off for these pods).</summary>
    public ISet<string> Capabilities { get; }

    /// <summary>Asks every pod what it can apply; a pod that cannot say (an older runtime) turns deltas off.</summary>
    public static async Task<PodDeltas> ConnectAsync(ServicePods pods, string version, CancellationToken cancellationToken)
    {
        var clients = pods.Pods.Select(p => (p, new PodClient(p.Address, p.Token))).ToList();
        ISet<string>? shared = null;
        foreach (var (_, client) in clients)
        {
            string[] capabilities;
            try
            {
                var answer = await client.GetDeltaCapabilitiesAsync(cancellationToken).ConfigureAwait(false);
                capabilities = answer.Capabilities.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (Exception e) when (e is RemoteException or HttpRequestException)
            {
                capabilities = [];
            }

            shared ??= new HashSet<string>(capabilities, StringComparer.Ordinal);
            shared.IntersectWith(capabilities);
        }

        return new PodDeltas(clients, version, shared ?? new HashSet<string>(StringComparer.Ordinal));
    }

    /// <summary>Sends the deltas to every pod; null when all applied them (they serve <see cref="Version"/> then), else why not.</summary>
    public async Task<string?> ApplyAsync(IEnumerable<ProjectDelta> deltas, CancellationToken cancellationToken)
    {
        var request = new DeltaRequest(Version, deltas.Select(d => new AssemblyDelta(d.Assembly!, d.ModuleId, d.Metadata, d.IL, d.Pdb, d.UpdatedTypes)).ToList());
        var answers = await Task.WhenAll(_pods.Select(p => ApplyOneAsync(p.Pod, p.Client, request, cancellationToken))).ConfigureAwait(false);
        if (answers.FirstOrDefault(a => a.Error is not null).Error is { } error)
        {
            return error;
        }

        Version = answers[0].Version!;
        return null;
    }

    /// <summary>
    /// Truth after speed: the whole build behind the deltas (staged in <paramref name="folder"/>) becomes every pod's
    /// version on disk, their workers untouched (<c>POST /code/settle</c>, fenced by the version they serve).
    /// </summary>
    /// <returns>The version on disk, and one line per pod that did not take it (it moved on, or is gone).</returns>
    public async Task<(string? OnDisk, IReadOnlyList<string> Refusals)> SettleAsync(string folder, CancellationToken cancellationToken)
    {
        var serving = Version;
        var manifest = await _pods[0].Client.BuildManifestAsync(folder, cancellationToken: cancellationToken).ConfigureAwait(false);
        var answers = await Task.WhenAll(_pods.Select(p => SettleOneAsync(p.Pod, p.Client, folder, manifest, serving, cancellationToken))).ConfigureAwait(false);
        return (answers.Select(a => a.Version).FirstOrDefault(v => v is not null), [.. answers.Select(a => a.Error).OfType<string>()]);
    }

    private static async Task<(string? Version, string? Error)> SettleOneAsync(
        PodEndpoint pod, PodClient client, string folder, ContentManifest manifest, string serving, CancellationToken cancellationToken)
    {
        try
        {
            return ((await client.SettleAsync(folder, manifest, serving, cancellationToken).ConfigureAwait(false)).Version, null);
        }
        catch (RemoteException e)
        {
            return (null, $"{pod.Name}: {e.Error.Code} {e.Error.Message}");
        }
        catch (HttpRequestException e)
        {
            return (null, $"{pod.Name}: {e.Message}");
        }
    }

    private static async Task<(string? Version, string? Error)> ApplyOneAsync(PodEndpoint pod, PodClient client, DeltaRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return ((await client.ApplyDeltaAsync(request, cancellationToken).ConfigureAwait(false)).Version, null);
        }
        catch (RemoteException e)
        {
            return (null, $"{pod.Name}: {e.Error.Code} {e.Error.Message}");
        }
        catch (HttpRequestException e)
        {
            return (null, $"{pod.Name}: {e.Message}");
        }
    }

    public void Dispose()
    {
        foreach (var (_, client) in _pods)
        {
            client.Dispose();
        }
    }
}
