namespace Kt.DevLoop.Backends;

/// <summary>
/// A backend that can say which services it holds, whichever project created them (<c>kt status</c>, <c>kt list</c>,
/// <c>kt describe</c>): read from what the backend itself records (state files, container labels, cluster labels).
/// </summary>
public interface IServiceCatalog
{
    /// <summary>Every service this backend created that still has a trace, in name order.</summary>
    Task<IReadOnlyList<CatalogService>> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>A service as its backend records it.</summary>
/// <param name="Namespace">Kubernetes only: the namespace it lives in.</param>
/// <param name="Image">The image its pods run (docker, kubernetes), if any.</param>
public sealed record CatalogService(string Service, string Backend, string? Namespace, string? Image, IReadOnlyList<CatalogPod> Pods);

/// <summary>One pod as its backend records it, without asking the pod.</summary>
/// <param name="State">The backend's word for it: <c>running</c>, <c>exited</c>, a container state or a pod phase (<c>Running, ready</c>).</param>
/// <param name="Started">When the pod was created or started, if the backend knows.</param>
/// <param name="Events">What the backend says happened to it (a container's exit code, a cluster's pod events), oldest first.</param>
public sealed record CatalogPod(string Name, int Rank, string State, DateTimeOffset? Started, IReadOnlyList<string> Events);
