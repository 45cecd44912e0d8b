using System.Reflection;
using System.Runtime.ExceptionServices;
using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;

namespace Kt.Client;

/// <summary>
/// Turns a user exception raised on a pod back into an instance of its own type, so that <c>catch (MyAppException)</c>
/// works: message, HResult, Data, inner exceptions, and the pod's frames as the remote part of its stack trace
/// (<see cref="ExceptionDispatchInfo.SetRemoteStackTrace"/>). Where the type cannot be loaded here or has no public
/// <c>(string)</c> / <c>(string, Exception)</c> constructor, the <see cref="RemoteException"/> stays what is thrown.
/// </summary>
internal static class RemoteFailures
{
    /// <summary>What a call throws for <paramref name="remote"/>: the user's own exception when it can be made, else <paramref name="remote"/>.</summary>
    public static Exception ToThrow(RemoteException remote, int? rank = null)
    {
        var origin = new RemoteOrigin(remote.Pod, remote.Version, remote.Code, remote.RequestId, rank ?? remote.Rank);
        if (remote.Code == RuntimeErrorCodes.UserException && Make(remote.Error, remote.StatusCode) is { } made)
        {
            origin.Stamp(made);
            return made;
        }

        return rank is null || remote.Rank == rank ? remote : new RemoteException(remote.Error, remote.StatusCode) { Rank = rank };
    }

    private static Exception? Make(ErrorEnvelope error, int status)
    {
        var type = Resolve(error.Type, error.Assembly);
        if (type is null)
        {
            return null;
        }

        var inner = (error.Inner ?? []).Select(i => Make(i, status) ?? Described(i, status)).ToArray();
        Exception? made;
        try
        {
            made = Construct(type, error.Message, inner);
        }
        catch (Exception)
        {
            return null; // the type's constructor refused (it validates its message, needs state): the RemoteException says it all
        }

        if (made is null)
        {
            return null;
        }

        if (error.HResult is { } hresult)
        {
            made.HResult = hresult;
        }

        foreach (var (key, value) in error.Data ?? new Dictionary<string, string>())
        {
            made.Data[key] = value;
        }

        if (!string.IsNullOrEmpty(error.RemoteStack))
        {
            ExceptionDispatchInfo.SetRemoteStackTrace(made, error.RemoteStack);
        }

        return made;
    }

    // An inner exception whose type cannot be made is still there, as the pod described it.
    private static RemoteException Described(ErrorEnvelope inner, int status) => new(inner, status);

    private static Exception? Construct(Type type, string message, Exception[] inner)
    {
        if (type == typeof(AggregateException))
        {
            return new AggregateException(message, inner);
        }

        var withInner = type.GetConstructor([typeof(string), typeof(Exception)]);
        var messageOnly = type.GetConstructor([typeof(string)]);
        if (withInner is not null && (inner.Length > 0 || messageOnly is null))
        {
            return (Exception)withInner.Invoke(BindingFlags.DoNotWrapExceptions, binder: null, [message, inner.FirstOrDefault()], culture: null);
        }

        return messageOnly is null ? null : (Exception)messageOnly.Invoke(BindingFlags.DoNotWrapExceptions, binder: null, [message], culture: null);
    }

    // The type as this program knows it: from an assembly already loaded (the common case: the program's own, which
    // is also what runs on the pod), else by its assembly-qualified name. Only exception types are ever constructed.
    private static Type? Resolve(string name, string? assembly)
    {
        Type? type = null;
        try
        {
            type = assembly is null
                ? Type.GetType(name, throwOnError: false)
                : AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == assembly).Select(a => a.GetType(name, throwOnError: false)).FirstOrDefault(t => t is not null)
                    ?? Type.GetType($"{name}, {assembly}", throwOnError: false);
        }
        catch (Exception e) when (e is IOException or BadImageFormatException or ArgumentException or TypeLoadException)
        {
            return null;
        }

        return type is { IsAbstract: false, ContainsGenericParameters: false } && typeof(Exception).IsAssignableFrom(type) ? type : null;
    }
}
