using System.Globalization;
using Kt.PodRuntime.Client;

namespace Kt.Client;

/// <summary>
/// One call on every rank at once. Results come back in rank order; the first failure cancels the ranks still running
/// (an SPMD step cannot finish without every rank), and the call fails with an <see cref="AggregateException"/> whose
/// message names each rank that failed on its own and whose inner exceptions are those ranks' exceptions (each the
/// user's own type where it can be made, with <see cref="RemoteOrigin.Rank"/> set). Ranks stopped by that
/// cancellation are not failures of their own and are left out.
/// </summary>
internal static class Broadcast
{
    public static async Task<IReadOnlyList<T?>> RunAsync<T>(int ranks, Func<int, CancellationToken, Task<T?>> call, CancellationToken cancellationToken)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var calls = Enumerable.Range(0, ranks).Select(rank => RankAsync(rank, call, failFast)).ToArray();
        try
        {
            return await Task.WhenAll(calls).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            var failures = calls.Select((task, rank) => (task, rank))
                .Where(c => c.task.IsFaulted)
                .Select(c => (c.rank, exception: Attributed(c.task.Exception!.InnerException!, c.rank)))
                .ToArray();
            if (failures.Length == 0)
            {
                throw; // nothing failed of its own (cannot happen without a failure, but never hide what was thrown)
            }

            var named = string.Join(", ", failures.Select(f => $"rank {f.rank.ToString(CultureInfo.InvariantCulture)} ({f.exception.GetType().FullName})"));
            throw new AggregateException($"{failures.Length} of {ranks} ranks failed: {named}.", failures.Select(f => f.exception));
        }
    }

    private static async Task<T?> RankAsync<T>(int rank, Func<int, CancellationToken, Task<T?>> call, CancellationTokenSource failFast)
    {
        try
        {
            return await call(rank, failFast.Token).ConfigureAwait(false);
        }
        catch (Exception) when (!failFast.IsCancellationRequested)
        {
            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static Exception Attributed(Exception exception, int rank)
    {
        if (exception is RemoteException remote)
        {
            return RemoteFailures.ToThrow(remote, rank);
        }

        exception.Data[RemoteOrigin.RankKey] = rank.ToString(CultureInfo.InvariantCulture);
        return exception;
    }
}
