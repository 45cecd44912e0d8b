using Kt.DevLoop.Backends;

namespace Kt.Workflows.Services;

/// <summary>
/// <c>kt status</c> / <c>kt list</c>: every service on every backend in scope, whichever project deployed it, with
/// each pod's state and age from the backend and its version, setup state and steps from the pod itself.
/// </summary>
public static class ServiceInventory
{
    public static async Task<IReadOnlyList<BackendInventory>> ListAsync(ServiceScope scope, string? service, CancellationToken cancellationToken)
    {
        var result = new List<BackendInventory>();
        foreach (var name in scope.Backends)
        {
            result.Add(await ListBackendAsync(scope, name, service, cancellationToken).ConfigureAwait(false));
        }

        return result;
    }

    private static async Task<BackendInventory> ListBackendAsync(ServiceScope scope, string name, string? service, CancellationToken cancellationToken)
    {
        IComputeBackend? backend = null;
        try
        {
            backend = scope.Open(name);
            var catalog = (IServiceCatalog)backend;
            var services = (await catalog.ListAsync(cancellationToken).ConfigureAwait(false))
                .Where(s => service is null || s.Service == service).ToList();
            var statuses = new List<ServiceStatus>();
            foreach (var listed in services)
            {
                statuses.Add(await PodProbe.StatusAsync(backend, listed, cancellationToken).ConfigureAwait(false));
            }

            return new BackendInventory(name, name == ComputeBackends.Kubernetes ? scope.Namespace : null, statuses, null);
        }
        catch (KtException e) when (!scope.Named)
        {
            return new BackendInventory(name, null, [], $"{e.Detail} ({e.Code})");
        }
        finally
        {
            backend?.Dispose();
        }
    }
}

/// <summary>What one backend holds, or why it could not be asked (<see cref="Unavailable"/>: no engine, no cluster).</summary>
public sealed record BackendInventory(string Backend, string? Namespace, IReadOnlyList<ServiceStatus> Services, string? Unavailable);
