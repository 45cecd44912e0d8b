using System.Linq.Expressions;

namespace Kt.Client;

/// <summary>A class chosen with <c>Remote.Cls&lt;T&gt;(initArgs)</c>; <see cref="ToAsync"/> deploys and registers its constructor arguments.</summary>
/// <typeparam name="T">The class of this program whose one instance per pod serves the calls.</typeparam>
public sealed class RemoteClass<T>
    where T : class
{
    private readonly object?[] _initArgs;
    private readonly bool _eager;

    internal RemoteClass(string type, object?[] initArgs, bool eager = false)
    {
        Type = type;
        _initArgs = initArgs;
        _eager = eager;
    }

    /// <summary>The class's full name, as the pod finds it.</summary>
    public string Type { get; }

    /// <summary>
    /// The same class, constructed on every pod during <see cref="ToAsync"/>: the first call then does not pay the
    /// load of the code and the constructor (without it, the instance is created by the first call).
    /// </summary>
    public RemoteClass<T> Eager() => new(Type, _initArgs, eager: true);

    /// <summary>Deploys this program to <paramref name="compute"/> (once per compute and process) and registers the constructor arguments on every pod.</summary>
    /// <param name="compute">Where the instances live (<see cref="Compute.FromProject"/>: what the csproj declares).</param>
    /// <param name="cancellationToken">Cancels the deploy.</param>
    public async Task<DeployedClass<T>> ToAsync(Compute compute, CancellationToken cancellationToken = default)
    {
        var session = await ServiceSession.AcquireAsync(compute, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.WhenAll(session.Clients.Select(c => c.InitClassAsync(Type, _initArgs, null, cancellationToken))).ConfigureAwait(false);
            if (_eager)
            {
                // Any public instance method creates the pod's instance; object.GetHashCode exists on every class and
                // is the one least likely to do work of its own.
                await Task.WhenAll(session.Clients.Select(c => c.CallMethodAsync<int>(Type, nameof(GetHashCode), [], null, null, cancellationToken))).ConfigureAwait(false);
            }
        }
        catch
        {
            session.Release();
            throw;
        }

        return new DeployedClass<T>(session, Type);
    }
}

/// <summary>
/// One instance of <typeparamref name="T"/> per pod; its state lives until the next code version. A method is named
/// by an expression (<c>x =&gt; x.Add(5)</c>, refactoring-safe) or by its name (<c>nameof(T.Add)</c>); each call takes
/// a <see cref="CancellationToken"/> as its own parameter.
/// </summary>
/// <typeparam name="T">The class whose instances serve the calls.</typeparam>
public sealed class DeployedClass<T> : DeployedService
    where T : class
{
    private readonly string _type;

    internal DeployedClass(ServiceSession session, string type)
        : base(session) => _type = type;

    /// <summary>Calls the instance method the expression names, with the arguments it gives (evaluated here), on one replica (round robin).</summary>
    /// <typeparam name="TResult">The method's result type.</typeparam>
    /// <param name="call">The call, as in <c>x =&gt; x.Add(5)</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<TResult?> CallAsync<TResult>(Expression<Func<T, TResult>> call, CancellationToken cancellationToken = default)
    {
        var (method, args) = CallArguments.FromCall(call, typeof(T));
        return CallAsync<TResult>(method, args, cancellationToken);
    }

    /// <summary>Calls the instance method the expression names on every replica at once; one result per replica, in rank order.</summary>
    /// <typeparam name="TResult">The method's result type.</typeparam>
    /// <param name="call">The call, as in <c>x =&gt; x.Add(5)</c>.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public Task<IReadOnlyList<TResult?>> CallAllAsync<TResult>(Expression<Func<T, TResult>> call, CancellationToken cancellationToken = default)
    {
        var (method, args) = CallArguments.FromCall(call, typeof(T));
        return CallAllAsync<TResult>(method, args, cancellationToken);
    }

    /// <summary>
    /// Calls the instance method the expression names, whose result is an async stream, on one replica: each element as
    /// the pod produces it, paced by this loop; leaving it cancels the remote iterator (a <see cref="CancellationToken"/>
    /// argument of the method is the pod's own token for the call: write <c>CancellationToken.None</c>).
    /// </summary>
    /// <typeparam name="TItem">The element type.</typeparam>
    /// <param name="call">The call, as in <c>x =&gt; x.Tokens(prompt, CancellationToken.None)</c>.</param>
    /// <param name="cancellationToken">Cancels the stream, here and on the pod.</param>
    public IAsyncEnumerable<TItem?> StreamAsync<TItem>(Expression<Func<T, IAsyncEnumerable<TItem>>> call, CancellationToken cancellationToken = default)
    {
        var (method, args) = CallArguments.FromCall(call, typeof(T));
        return StreamAsync<TItem>(method, args, cancellationToken);
    }

    /// <summary>Calls the instance method the expression names, whose result is a lazily yielding sequence, on one replica: each element as it is produced.</summary>
    /// <typeparam name="TItem">The element type.</typeparam>
    /// <param name="call">The call, as in <c>x =&gt; x.Rows(batch)</c>.</param>
    /// <param name="cancellationToken">Cancels the stream, here and on the pod.</param>
    public IAsyncEnumerable<TItem?> StreamAsync<TItem>(Expression<Func<T, IEnumerable<TItem>>> call, CancellationToken cancellationToken = default)
    {
        var (method, args) = CallArguments.FromCall(call, typeof(T));
        return StreamAsync<TItem>(method, args, cancellationToken);
    }

    /// <summary>Calls an instance method by name whose result streams, on one replica: each element as it is produced.</summary>
    /// <typeparam name="TItem">The type each element is read as.</typeparam>
    /// <param name="method">The method's name: <c>nameof(T.Method)</c>.</param>
    /// <param name="args">The method's arguments, in order.</param>
    /// <param name="cancellationToken">Cancels the stream, here and on the pod.</param>
    public IAsyncEnumerable<TItem?> StreamAsync<TItem>(string method, object?[] args, CancellationToken cancellationToken)
    {
        var checkedArgs = CallArguments.Checked(args);
        return Session.StreamOneAsync((client, options, ct) => client.StreamMethodAsync<TItem>(_type, method, checkedArgs, options, ct), cancellationToken);
    }

    /// <summary>Calls an instance method (no arguments) on one replica (round robin).</summary>
    /// <typeparam name="TResult">The type the result is read as.</typeparam>
    /// <param name="method">The method's name: <c>nameof(T.Method)</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<TResult?> CallAsync<TResult>(string method, CancellationToken cancellationToken = default) => CallAsync<TResult>(method, [], cancellationToken);

    /// <summary>Calls an instance method with one argument on one replica (round robin).</summary>
    /// <typeparam name="TResult">The type the result is read as.</typeparam>
    /// <param name="method">The method's name: <c>nameof(T.Method)</c>.</param>
    /// <param name="arg0">The method's argument.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<TResult?> CallAsync<TResult>(string method, object? arg0, CancellationToken cancellationToken = default) =>
        CallAsync<TResult>(method, [arg0], cancellationToken);

    /// <summary>Calls an instance method with two arguments on one replica (round robin).</summary>
    /// <typeparam name="TResult">The type the result is read as.</typeparam>
    /// <param name="method">The method's name: <c>nameof(T.Method)</c>.</param>
    /// <param name="arg0">The method's first argument.</param>
    /// <param name="arg1">The method's second argument.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<TResult?> CallAsync<TResult>(string method, object? arg0, object? arg1, CancellationToken cancellationToken = default) =>
        CallAsync<TResult>(method, [arg0, arg1], cancellationToken);

    /// <summary>Calls an instance method with any number of arguments on one replica (round robin).</summary>
    /// <typeparam name="TResult">The type the result is read as.</typeparam>
    /// <param name="method">The method's name: <c>nameof(T.Method)</c>.</param>
    /// <param name="args">The method's arguments, in order.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<TResult?> CallAsync<TResult>(string method, object?[] args, CancellationToken cancellationToken)
    {
        var checkedArgs = CallArguments.Checked(args);
        return Session.CallOneAsync((client, options, ct) => client.CallMethodAsync<TResult>(_type, method, checkedArgs, null, options, ct), cancellationToken);
    }

    /// <summary>Calls an instance method (no arguments) on every replica at once; one result per replica, in rank order.</summary>
    /// <typeparam name="TResult">The type each result is read as.</typeparam>
    /// <param name="method">The method's name: <c>nameof(T.Method)</c>.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public Task<IReadOnlyList<TResult?>> CallAllAsync<TResult>(string method, CancellationToken cancellationToken = default) =>
        CallAllAsync<TResult>(method, [], cancellationToken);

    /// <summary>Calls an instance method with one argument on every replica at once; one result per replica, in rank order.</summary>
    /// <typeparam name="TResult">The type each result is read as.</typeparam>
    /// <param name="method">The method's name: <c>nameof(T.Method)</c>.</param>
    /// <param name="arg0">The method's argument.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public Task<IReadOnlyList<TResult?>> CallAllAsync<TResult>(string method, object? arg0, CancellationToken cancellationToken = default) =>
        CallAllAsync<TResult>(method, [arg0], cancellationToken);

    /// <summary>Calls an instance method with any number of arguments on every replica at once; one result per replica, in rank order.</summary>
    /// <typeparam name="TResult">The type each result is read as.</typeparam>
    /// <param name="method">The method's name: <c>nameof(T.Method)</c>.</param>
    /// <param name="args">The method's arguments, in order.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public Task<IReadOnlyList<TResult?>> CallAllAsync<TResult>(string method, object?[] args, CancellationToken cancellationToken)
    {
        var checkedArgs = CallArguments.Checked(args);
        return Session.CallAllAsync((client, options, ct) => client.CallMethodAsync<TResult>(_type, method, checkedArgs, null, options, ct), cancellationToken);
    }
}
