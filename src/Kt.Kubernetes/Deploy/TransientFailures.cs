namespace Kt.Kubernetes.Deploy;

/// <summary>
/// Tells a launch failure that persists from one that clears: a final failure is returned at once, a transient one
/// only once each observation since it first appeared has shown it for <c>grace</c> (a pod that no longer shows it
/// starts over). On a real cluster a FailedMount "failed to sync configmap cache" clears within a second.
/// </summary>
internal sealed class TransientFailures(TimeSpan grace)
{
    private readonly Dictionary<(string? Pod, string Code), (DateTimeOffset Since, DeploymentFailedException Failure)> _seen = [];

    /// <summary>The failure that ends the wait now, or null.</summary>
    public DeploymentFailedException? Observe(IEnumerable<DeploymentFailedException> failures)
    {
        var now = DateTimeOffset.UtcNow;
        var current = new HashSet<(string?, string)>();
        foreach (var failure in failures)
        {
            if (!failure.Transient)
            {
                return failure;
            }

            var key = (failure.PodName, failure.Code);
            current.Add(key);
            var since = _seen.TryGetValue(key, out var seen) ? seen.Since : now;
            _seen[key] = (since, failure);
            if (now - since >= grace)
            {
                return Persisted(failure, now - since);
            }
        }

        foreach (var cleared in _seen.Keys.Where(k => !current.Contains(k)).ToList())
        {
            _seen.Remove(cleared);
        }

        return null;
    }

    /// <summary>The transient failure shown longest, if one is still showing.</summary>
    public DeploymentFailedException? Oldest() =>
        _seen.Count == 0 ? null : _seen.Values.MinBy(s => s.Since) is var (since, failure) ? Persisted(failure, DateTimeOffset.UtcNow - since) : null;

    private static DeploymentFailedException Persisted(DeploymentFailedException failure, TimeSpan lasted) =>
        new(failure.Code, $"{failure.Detail} It persisted for {lasted.TotalSeconds:0} s (the kubelet kept retrying).", failure.PodName, failure.Reason, failure.Events);
}
