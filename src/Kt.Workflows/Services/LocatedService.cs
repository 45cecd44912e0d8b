using Kt.DevLoop;
using Kt.DevLoop.Backends;

namespace Kt.Workflows.Services;

/// <summary>
/// One named service, found on the one backend in scope that holds it (<c>kt describe</c>, <c>logs</c>,
/// <c>forward</c>). It owns the backend: on Kubernetes the pods' port-forwards live until it is disposed.
/// </summary>
public sealed class LocatedService : IDisposable
{
    private LocatedService(IComputeBackend backend, ServiceStatus status)
    {
        Backend = backend;
        Status = status;
    }

    public IComputeBackend Backend { get; }

    public ServiceStatus Status { get; }

    public string Name => Status.Service.Service;

    /// <summary>
    /// The service on the only backend in <paramref name="scope"/> that holds it: KT8008 when none does (naming the
    /// backends asked and those that could not be), KT8009 when several do and none was named.
    /// </summary>
    public static async Task<LocatedService> FindAsync(ServiceScope scope, string service, CancellationToken cancellationToken)
    {
        var found = new List<(IComputeBackend Backend, CatalogService Listed)>();
        var unavailable = new List<string>();
        try
        {
            foreach (var name in scope.Backends)
            {
                IComputeBackend backend;
                IReadOnlyList<CatalogService> services;
                try
                {
                    backend = scope.Open(name);
                }
                catch (KtException e) when (!scope.Named)
                {
                    unavailable.Add($"{name} ({e.Code})");
                    continue;
                }

                try
                {
                    services = await ((IServiceCatalog)backend).ListAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (KtException e) when (!scope.Named)
                {
                    backend.Dispose();
                    unavailable.Add($"{name} ({e.Code})");
                    continue;
                }

                if (services.FirstOrDefault(s => s.Service == service) is { } listed)
                {
                    found.Add((backend, listed));
                }
                else
                {
                    backend.Dispose();
                }
            }

            switch (found.Count)
            {
                case 0:
                    var asked = string.Join(", ", scope.Backends.Where(b => !unavailable.Any(u => u.StartsWith(b + " ", StringComparison.Ordinal))));
                    throw new KtException(ServiceErrors.NotFound,
                        $"no service '{service}' on {(asked.Length == 0 ? "any backend" : asked)}{(unavailable.Count == 0 ? "" : $" (not reachable: {string.Join(", ", unavailable)})")}; "
                        + "kt status lists what exists");
                case > 1:
                    throw new KtException(ServiceErrors.Ambiguous,
                        $"'{service}' exists on {string.Join(" and ", found.Select(f => f.Backend.Name))}: pass --backend {found[0].Backend.Name} (or another)");
            }

            var (one, catalog) = found[0];
            var status = await PodProbe.StatusAsync(one, catalog, cancellationToken).ConfigureAwait(false);
            found.Clear(); // the located service owns the backend from here
            return new LocatedService(one, status);
        }
        finally
        {
            foreach (var (backend, _) in found)
            {
                backend.Dispose();
            }
        }
    }

    /// <summary>The answering pods (only <paramref name="pod"/> when named); KT8010 when there is none.</summary>
    public IReadOnlyList<PodEndpoint> Pods(string? pod = null)
    {
        var answering = Status.Pods.Where(p => p.Endpoint is not null && (pod is null || p.Pod.Name == pod)).Select(p => p.Endpoint!).ToList();
        if (answering.Count > 0)
        {
            return answering;
        }

        var states = string.Join(", ", Status.Service.Pods.Select(p => $"{p.Name}: {p.State}"));
        throw new KtException(ServiceErrors.NoRunningPods, pod is not null && Status.Service.Pods.All(p => p.Name != pod)
            ? $"'{Name}' on {Backend.Name} has no pod '{pod}' (its pods: {(states.Length == 0 ? "none" : states)})"
            : $"no pod of '{Name}' on {Backend.Name} answers ({(states.Length == 0 ? "it has no pods" : states)}); kt deploy (or the project's dotnet publish -p:KtDeploy=true) brings them back");
    }

    public void Dispose() => Backend.Dispose();
}
