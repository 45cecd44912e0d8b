namespace Kt.DevLoop.Backends;

/// <summary>The backends this library runs, by the name users give (<c>KtCompute</c>, <c>Compute.Backend</c>).</summary>
public static class ComputeBackends
{
    public const string Process = "process";
    public const string Docker = "docker";
    public const string Kubernetes = "kubernetes";

    /// <param name="namespace">Kubernetes only: the namespace of the service.</param>
    /// <param name="runtimeImage">Kubernetes only: the image with the pod runtime that pods start (null: the one the service runs).</param>
    /// <param name="cluster">Kubernetes only: the project's cluster settings.</param>
    /// <param name="api">Kubernetes only: the API client (null: the default kubeconfig's).</param>
    public static IComputeBackend Create(string? name, string @namespace = "default", string? runtimeImage = null, ClusterDeclaration? cluster = null, Kt.Kubernetes.Api.IKubernetesApi? api = null) => (string.IsNullOrWhiteSpace(name) ? Process : name.Trim().ToLowerInvariant()) switch
    {
        Process => new ProcessBackend(),
        Docker => new DockerBackend(),
        Kubernetes => new KubernetesBackend(api ?? Kt.Kubernetes.Api.KubernetesClientApi.FromDefaultConfig(), @namespace, runtimeImage, cluster),
        _ => throw new KtException(DevLoopErrors.UnknownBackend, $"KtCompute is '{name}'; use process (the default), docker or kubernetes."),
    };
}
