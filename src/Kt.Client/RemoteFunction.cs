using Kt.PodRuntime.Client;

namespace Kt.Client;

/// <summary>A static method chosen with <c>Remote.Fn</c>; <see cref="ToAsync"/> puts this program on the compute and returns the callable.</summary>
public sealed class RemoteFunction
{
    internal RemoteFunction(string type, string method)
    {
        Type = type;
        Method = method;
    }

    public string Type { get; }

    public string Method { get; }

    public async Task<DeployedFunction> ToAsync(Compute compute, CancellationToken cancellationToken = default) =>
        new(await ServiceSession.DeployAsync(compute, cancellationToken).ConfigureAwait(false), this);
}

/// <summary>A function running on a service's pods. Calls print the function's output live, tagged with the pod.</summary>
public sealed class DeployedFunction : DeployedService
{
    private readonly RemoteFunction _function;

    internal DeployedFunction(ServiceSession session, RemoteFunction function)
        : base(session) => _function = function;

    /// <summary>Calls the function on one replica (round robin) and returns its result.</summary>
    public Task<T?> CallAsync<T>(params object?[] args) => CallAsync<T>(args, CancellationToken.None);

    public Task<T?> CallAsync<T>(object?[] args, CancellationToken cancellationToken) =>
        Session.CallOneAsync((client, options, ct) => client.CallAsync<T>(_function.Type, _function.Method, args, null, options, ct), cancellationToken);

    /// <summary>Calls the function on every replica at once; one result per replica, in rank order.</summary>
    public Task<IReadOnlyList<T?>> CallAllAsync<T>(params object?[] args) => CallAllAsync<T>(args, CancellationToken.None);

    public Task<IReadOnlyList<T?>> CallAllAsync<T>(object?[] args, CancellationToken cancellationToken) =>
        Session.CallAllAsync((client, options, ct) => client.CallAsync<T>(_function.Type, _function.Method, args, null, options, ct), cancellationToken);
}
