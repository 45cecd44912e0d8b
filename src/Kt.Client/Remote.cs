using System.Reflection;
using System.Runtime.CompilerServices;

namespace Kt.Client;

/// <summary>
/// Kubetorch's <c>kt.fn</c> / <c>kt.cls</c> / <c>kt.app</c> for C#. (<c>Kt.Fn</c> cannot be spelled in C#: <c>Kt</c> is
/// the namespace of every Kt assembly, and a namespace wins over a type of the same name.)
/// <code>
/// using Kt.Client;
/// var hello = await Remote.Fn(Functions.Hello).ToAsync(Compute.FromProject());
/// Console.WriteLine(await hello.CallAsync&lt;string&gt;("world"));
/// </code>
/// </summary>
public static class Remote
{
    /// <summary>A public static method of this program, to run on the compute's pods.</summary>
    public static RemoteFunction Fn(Delegate method)
    {
        ArgumentNullException.ThrowIfNull(method);
        return Fn(method.Method);
    }

    /// <summary>A public static method of this program, to run on the compute's pods.</summary>
    public static RemoteFunction Fn(MethodInfo method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var type = method.DeclaringType;
        if (!method.IsStatic || !method.IsPublic || type is null || !IsCallableType(type) || method.IsGenericMethodDefinition
            || method.IsDefined(typeof(CompilerGeneratedAttribute)) || method.Name.Contains('<', StringComparison.Ordinal))
        {
            throw new KtException(ClientErrors.NotRemotable,
                $"'{type?.FullName}.{method.Name}' cannot run remotely: Remote.Fn takes a public static method of a public, non-generic class "
                + "(not a lambda, a local function or a top-level statement), because the pod finds it by type and method name.");
        }

        return new RemoteFunction(type.FullName!, method.Name);
    }

    /// <summary>A class whose one instance per pod is created from <paramref name="initArgs"/> and keeps its state until the next code version.</summary>
    public static RemoteClass<T> Cls<T>(params object?[] initArgs)
        where T : class
    {
        if (!IsCallableType(typeof(T)) || typeof(T).IsAbstract)
        {
            throw new KtException(ClientErrors.NotRemotable,
                $"'{typeof(T).FullName}' cannot run remotely: Remote.Cls takes a public, concrete, non-generic class of this program.");
        }

        return new RemoteClass<T>(typeof(T).FullName!, initArgs);
    }

    /// <summary>A command (a web app, a script) the pods run in the code folder, restarted on each new code version, reached through the pod's proxy.</summary>
    public static RemoteApp App(string command, int port)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(command);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        return new RemoteApp(command, port);
    }

    private static bool IsCallableType(Type type) =>
        (type.IsPublic || type.IsNestedPublic) && !type.ContainsGenericParameters && type.FullName is not null
        && !type.IsDefined(typeof(CompilerGeneratedAttribute));
}
