using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;

namespace Kt.Kubernetes.Tests;

internal static class Samples
{
    public const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    public static Compute Cpu(string name = "hello") => new()
    {
        ServiceName = name,
        Namespace = "team-a",
        Image = "registry.local/kt/app:dev",
        Cpus = "500m",
        Memory = "1Gi",
    };

    public static RenderContext Context(params (string Key, string Value)[] deployAnnotations) => RenderContext.ForPodRuntime() with
    {
        DeployAnnotations = deployAnnotations.ToDictionary(a => a.Key, a => a.Value),
    };
}
