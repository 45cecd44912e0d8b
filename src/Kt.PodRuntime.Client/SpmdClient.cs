namespace Kt.PodRuntime.Client;

/// <summary>
/// Broadcasts one call to every replica of an SPMD pool (rank = position in the list): results come back in rank
/// order; the first failure cancels the others and fails the whole call with that replica's remote error.
/// </summary>
public sealed class SpmdClient
{
    private readonly IReadOnlyList<PodClient> _replicas;

    public SpmdClient(IReadOnlyList<PodClient> replicas)
    {
        ArgumentNullException.ThrowIfNull(replicas);
        if (replicas.Count == 0)
        {
            throw new ArgumentException("An SPMD pool needs at least one replica.", nameof(replicas));
        }

        _replicas = replicas;
    }

    public int WorldSize => _replicas.Count;

    /// <param name="ranks">A subset of ranks to call (all when null).</param>
    public Task<IReadOnlyList<T?>> BroadcastAsync<T>(
        string type, string method, object?[]? args = null, IReadOnlyDictionary<string, object?>? kwargs = null,
        IReadOnlyList<int>? ranks = null, CancellationToken cancellationToken = default)
    {
        var requestId = Guid.NewGuid().ToString("N");
        return BroadcastAsync((client, rank, ct) => client.CallAsync<T>(type, method, args, kwargs, new CallOptions { RequestId = $"{requestId}-r{rank}" }, ct), ranks, cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="call"/> on every selected replica at once; results in rank order. The first failure cancels
    /// the other calls and is thrown with its <see cref="RemoteException.Rank"/>.
    /// </summary>
    public async Task<IReadOnlyList<T?>> BroadcastAsync<T>(Func<PodClient, int, CancellationToken, Task<T?>> call, IReadOnlyList<int>? ranks = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var selected = ranks ?? Enumerable.Range(0, _replicas.Count).ToArray();
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var calls = selected.Select(rank => RunAsync(rank, call, failFast.Token)).ToList();
        var pending = calls.ToList();
        while (pending.Count > 0)
        {
            var finished = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(finished);
            if (finished.IsFaulted || finished.IsCanceled)
            {
                await failFast.CancelAsync().ConfigureAwait(false);
                await finished.ConfigureAwait(false); // rethrows the first failure
            }
        }

        return calls.Select(c => c.Result).ToArray();
    }

    private async Task<T?> RunAsync<T>(int rank, Func<PodClient, int, CancellationToken, Task<T?>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(_replicas[rank], rank, cancellationToken).ConfigureAwait(false);
        }
        catch (RemoteException ex)
        {
            throw new RemoteException(ex.Error, ex.StatusCode) { Rank = rank };
        }
    }
}
