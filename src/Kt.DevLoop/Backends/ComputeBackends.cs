namespace Kt.DevLoop.Backends;

/// <summary>The backends this library runs, by the name users give (<c>KtCompute</c>, <c>Compute.Backend</c>).</summary>
public static class ComputeBackends
{
    public const string Process = "process";
    public const string Docker = "docker";
    public const string Kubernetes = "kubernetes";

    public static IComputeBackend Create(string? name) => (string.IsNullOrWhiteSpace(name) ? Process : name.Trim().ToLowerInvariant()) switch
    {
        Process => new ProcessBackend(),
        Docker => new DockerBackend(),
        Kubernetes => throw new KtException(DevLoopErrors.NotSupported,
            "KtCompute=kubernetes: the live dev loop on Kubernetes is not wired into this version; render and apply manifests with Kt.Kubernetes (docs/kubernetes.md), or use process or docker."),
        _ => throw new KtException(DevLoopErrors.UnknownBackend, $"KtCompute is '{name}'; use process (the default), docker or kubernetes."),
    };
}
