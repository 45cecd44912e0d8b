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

    /// <summary>The full name of the method's class, as the pod finds it.</summary>
    public string Type { get; }

    /// <summary>The method's name.</summary>
    public string Method { get; }

    /// <summary>Deploys this program to <paramref name="compute"/> (once per compute and process) and returns the callable function.</summary>
    /// <param name="compute">Where the function runs (<see cref="Compute.FromProject"/>: what the csproj declares).</param>
    /// <param name="cancellationToken">Cancels the deploy.</param>
    public async Task<DeployedFunction> ToAsync(Compute compute, CancellationToken cancellationToken = default) =>
        new(await ServiceSession.AcquireAsync(compute, cancellationToken).ConfigureAwait(false), this);
}

/// <summary>
/// A function running on a service's pods. Calls print the function's output live, tagged with the pod. Each call
/// takes the function's arguments and then, as its own parameter, a <see cref="CancellationToken"/>.
/// </summary>
public sealed class DeployedFunction : DeployedService
{
    private readonly RemoteFunction _function;

    internal DeployedFunction(ServiceSession session, RemoteFunction function)
        : base(session) => _function = function;

    /// <summary>Calls the function (no arguments) on one replica (round robin) and returns its result.</summary>
    /// <typeparam name="T">The type the function's result is read as.</typeparam>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<T?> CallAsync<T>(CancellationToken cancellationToken = default) => CallAsync<T>([], cancellationToken);

    /// <summary>Calls the function with one argument on one replica (round robin) and returns its result.</summary>
    /// <typeparam name="T">The type the function's result is read as.</typeparam>
    /// <param name="arg0">The function's argument.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<T?> CallAsync<T>(object? arg0, CancellationToken cancellationToken = default) => CallAsync<T>([arg0], cancellationToken);

    /// <summary>Calls the function with two arguments on one replica (round robin) and returns its result.</summary>
    /// <typeparam name="T">The type the function's result is read as.</typeparam>
    /// <param name="arg0">The function's first argument.</param>
    /// <param name="arg1">The function's second argument.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<T?> CallAsync<T>(object? arg0, object? arg1, CancellationToken cancellationToken = default) => CallAsync<T>([arg0, arg1], cancellationToken);

    /// <summary>Calls the function with three arguments on one replica (round robin) and returns its result.</summary>
    /// <typeparam name="T">The type the function's result is read as.</typeparam>
    /// <param name="arg0">The function's first argument.</param>
    /// <param name="arg1">The function's second argument.</param>
    /// <param name="arg2">The function's third argument.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<T?> CallAsync<T>(object? arg0, object? arg1, object? arg2, CancellationToken cancellationToken = default) =>
        CallAsync<T>([arg0, arg1, arg2], cancellationToken);

    /// <summary>Calls the function with any number of arguments on one replica (round robin) and returns its result.</summary>
    /// <typeparam name="T">The type the function's result is read as.</typeparam>
    /// <param name="args">The function's arguments, in order.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<T?> CallAsync<T>(object?[] args, CancellationToken cancellationToken)
    {
        var checkedArgs = CallArguments.Checked(args);
        return Session.CallOneAsync((client, options, ct) => client.CallAsync<T>(_function.Type, _function.Method, checkedArgs, null, options, ct), cancellationToken);
    }

    /// <summary>
    /// Calls a function whose result is a stream (<c>IAsyncEnumerable&lt;T&gt;</c>, a lazily yielding
    /// <c>IEnumerable&lt;T&gt;</c>) on one replica: <c>await foreach</c> gets each element as the pod produces it. The pod
    /// produces only as fast as this loop consumes (back-pressure); leaving the loop (or cancelling) cancels the remote
    /// iterator; a remote exception is thrown at the element where it happened. A function returning a collection gives
    /// its elements at once.
    /// </summary>
    /// <typeparam name="T">The type each element is read as.</typeparam>
    /// <param name="cancellationToken">Cancels the stream, here and on the pod.</param>
    public IAsyncEnumerable<T?> StreamAsync<T>(CancellationToken cancellationToken = default) => StreamAsync<T>([], cancellationToken);

    /// <summary>Streams the result of the function called with one argument (see <see cref="StreamAsync{T}(CancellationToken)"/>).</summary>
    /// <typeparam name="T">The type each element is read as.</typeparam>
    /// <param name="arg0">The function's argument.</param>
    /// <param name="cancellationToken">Cancels the stream, here and on the pod.</param>
    public IAsyncEnumerable<T?> StreamAsync<T>(object? arg0, CancellationToken cancellationToken = default) => StreamAsync<T>([arg0], cancellationToken);

    /// <summary>Streams the result of the function called with two arguments (see <see cref="StreamAsync{T}(CancellationToken)"/>).</summary>
    /// <typeparam name="T">The type each element is read as.</typeparam>
    /// <param name="arg0">The function's first argument.</param>
    /// <param name="arg1">The function's second argument.</param>
    /// <param name="cancellationToken">Cancels the stream, here and on the pod.</param>
    public IAsyncEnumerable<T?> StreamAsync<T>(object? arg0, object? arg1, CancellationToken cancellationToken = default) =>
        StreamAsync<T>([arg0, arg1], cancellationToken);

    /// <summary>Streams the result of the function called with any number of arguments (see <see cref="StreamAsync{T}(CancellationToken)"/>).</summary>
    /// <typeparam name="T">The type each element is read as.</typeparam>
    /// <param name="args">The function's arguments, in order.</param>
    /// <param name="cancellationToken">Cancels the stream, here and on the pod.</param>
    public IAsyncEnumerable<T?> StreamAsync<T>(object?[] args, CancellationToken cancellationToken)
    {
        var checkedArgs = CallArguments.Checked(args);
        return Session.StreamOneAsync((client, options, ct) => client.StreamAsync<T>(_function.Type, _function.Method, checkedArgs, options, ct), cancellationToken);
    }

    /// <summary>Calls the function (no arguments) on every replica at once; one result per replica, in rank order.</summary>
    /// <typeparam name="T">The type each result is read as.</typeparam>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public Task<IReadOnlyList<T?>> CallAllAsync<T>(CancellationToken cancellationToken = default) => CallAllAsync<T>([], cancellationToken);

    /// <summary>Calls the function with one argument on every replica at once; one result per replica, in rank order.</summary>
    /// <typeparam name="T">The type each result is read as.</typeparam>
    /// <param name="arg0">The function's argument.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public Task<IReadOnlyList<T?>> CallAllAsync<T>(object? arg0, CancellationToken cancellationToken = default) => CallAllAsync<T>([arg0], cancellationToken);

    /// <summary>Calls the function with two arguments on every replica at once; one result per replica, in rank order.</summary>
    /// <typeparam name="T">The type each result is read as.</typeparam>
    /// <param name="arg0">The function's first argument.</param>
    /// <param name="arg1">The function's second argument.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public Task<IReadOnlyList<T?>> CallAllAsync<T>(object? arg0, object? arg1, CancellationToken cancellationToken = default) =>
        CallAllAsync<T>([arg0, arg1], cancellationToken);

    /// <summary>Calls the function with any number of arguments on every replica at once; one result per replica, in rank order.</summary>
    /// <typeparam name="T">The type each result is read as.</typeparam>
    /// <param name="args">The function's arguments, in order.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public Task<IReadOnlyList<T?>> CallAllAsync<T>(object?[] args, CancellationToken cancellationToken)
    {
        var checkedArgs = CallArguments.Checked(args);
        return Session.CallAllAsync((client, options, ct) => client.CallAsync<T>(_function.Type, _function.Method, checkedArgs, null, options, ct), cancellationToken);
    }
}
