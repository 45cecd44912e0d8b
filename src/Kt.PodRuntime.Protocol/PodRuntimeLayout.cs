namespace Kt.PodRuntime.Protocol;

/// <summary>
/// Where the Kt pod runtime lives inside an image Kt built, and how a container starts it. The image compiler
/// bakes these paths, the Docker backend mounts this machine's runtime at them, the Kubernetes renderer starts them and
/// the runtime reads the token from the named Secret: one definition, so they never disagree.
/// </summary>
public static class PodRuntimeLayout
{
    /// <summary>The .NET shared frameworks (Microsoft.NETCore.App and Microsoft.AspNetCore.App) the runtime needs.</summary>
    public const string DotnetRoot = "/kt/dotnet";

    /// <summary>The runtime's own files.</summary>
    public const string RuntimeDirectory = "/kt/runtime";

    /// <summary>The runtime's entry assembly (in the runtime directory).</summary>
    public const string AssemblyName = "Kt.PodRuntime.dll";

    /// <summary>The runtime's writable root (journal, blobs, versions).</summary>
    public const string DataRoot = "/kt/data";

    /// <summary>Where a frozen image keeps the app (the SDK's container default).</summary>
    public const string AppDirectory = "/app";

    /// <summary>The port the runtime listens on in a pod.</summary>
    public const int Port = 32300;

    /// <summary>The key of the bearer token in the service's token Secret.</summary>
    public const string TokenSecretKey = "token";

    /// <summary>The executable and its first argument: no shell, no apphost, so any glibc base image can start it.</summary>
    public static IReadOnlyList<string> Command { get; } = [DotnetRoot + "/dotnet", RuntimeDirectory + "/" + AssemblyName];

    /// <summary>The Secret that holds a service's bearer token (created by the deployer, referenced by every pod).</summary>
    public static string TokenSecretName(string service) => service + "-kt-token";

    /// <summary>A live pod in a container: where it listens and keeps its journal, blobs and versions.</summary>
    public static RuntimeLaunch Live(int port = Port, string root = DataRoot) => new() { Port = port, Root = root };

    /// <summary>A frozen pod: serve the baked app folder, refuse sync and setup.</summary>
    public static RuntimeLaunch Frozen(string appDirectory = AppDirectory) => Live() with { FrozenApp = appDirectory };

    /// <summary>The arguments of a live pod (<see cref="Live"/>, written by <see cref="RuntimeLaunch.Write"/>).</summary>
    public static IReadOnlyList<string> Arguments(int port = Port, string root = DataRoot) => Live(port, root).Write().Arguments;

    /// <summary>The arguments of a frozen pod (<see cref="Frozen"/>, written by <see cref="RuntimeLaunch.Write"/>).</summary>
    public static IReadOnlyList<string> FrozenArguments(string appDirectory = AppDirectory) => Frozen(appDirectory).Write().Arguments;
}
