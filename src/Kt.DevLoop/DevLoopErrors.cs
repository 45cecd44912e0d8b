namespace Kt.DevLoop;

/// <summary>KT7xxx: the dev loop and its backends (docs/errors-devloop.md).</summary>
public static class DevLoopErrors
{
    /// <summary>A service name, replica count or resource quantity is not usable.</summary>
    public const string InvalidService = "KT7001";

    /// <summary>The pod runtime's files or a .NET host to run them were not found.</summary>
    public const string RuntimeNotFound = "KT7002";

    /// <summary>A pod (runtime process or container) did not start or did not answer in time.</summary>
    public const string PodStartFailed = "KT7003";

    /// <summary>No service of that name is running on this backend.</summary>
    public const string ServiceNotFound = "KT7004";

    /// <summary>An unknown backend name (process, docker, kubernetes).</summary>
    public const string UnknownBackend = "KT7005";

    /// <summary>The docker backend's base image is not in the engine (nothing is pulled implicitly).</summary>
    public const string BaseImageMissing = "KT7006";

    /// <summary>A process pod's root is still locked by a runtime the backend stopped, or one it cannot see.</summary>
    public const string PodRootHeld = "KT7007";

    /// <summary>The process backend refuses a setup step that would change this machine, unless the user opts in.</summary>
    public const string HostSetupRefused = "KT7010";

    /// <summary>A frozen service image needs an app (the publish output) for its pods to serve.</summary>
    public const string FrozenWithoutApp = "KT7022";

    /// <summary>Kubernetes: no runtime image was given and the service has no Deployment to take it from.</summary>
    public const string RuntimeImageMissing = "KT7023";
}
