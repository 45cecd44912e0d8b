namespace Kt.Client;

/// <summary>A class chosen with <c>Remote.Cls&lt;T&gt;(initArgs)</c>; <see cref="ToAsync"/> deploys and registers its constructor arguments.</summary>
public sealed class RemoteClass<T>
    where T : class
{
    private readonly object?[] _initArgs;

    internal RemoteClass(string type, object?[] initArgs)
    {
        Type = type;
        _initArgs = initArgs;
    }

    public string Type { get; }

    public async Task<DeployedClass<T>> ToAsync(Compute compute, CancellationToken cancellationToken = default)
    {
        var session = await ServiceSession.DeployAsync(compute, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(session.Clients.Select(c => c.InitClassAsync(Type, _initArgs, null, cancellationToken))).ConfigureAwait(false);
        return new DeployedClass<T>(session, Type);
    }
}

/// <summary>One instance of <typeparamref name="T"/> per pod; its state lives until the next code version.</summary>
public sealed class DeployedClass<T> : DeployedService
    where T : class
{
    private readonly string _type;

    internal DeployedClass(ServiceSession session, string type)
        : base(session) => _type = type;

    /// <summary>Calls an instance method (use <c>nameof(T.Method)</c>) on one replica (round robin).</summary>
    public Task<TResult?> CallAsync<TResult>(string method, params object?[] args) => CallAsync<TResult>(method, args, CancellationToken.None);

    public Task<TResult?> CallAsync<TResult>(string method, object?[] args, CancellationToken cancellationToken) =>
        Session.CallOneAsync((client, options, ct) => client.CallMethodAsync<TResult>(_type, method, args, null, options, ct), cancellationToken);

    /// <summary>Calls an instance method on every replica at once; one result per replica, in rank order.</summary>
    public Task<IReadOnlyList<TResult?>> CallAllAsync<TResult>(string method, params object?[] args) =>
        Session.CallAllAsync((client, options, ct) => client.CallMethodAsync<TResult>(_type, method, args, null, options, ct), CancellationToken.None);
}
