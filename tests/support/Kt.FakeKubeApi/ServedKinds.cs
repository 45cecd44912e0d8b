namespace Kt.FakeKubeApi;

/// <summary>One resource the fake serves: its group, version, plural (the URL segment) and kind.</summary>
public sealed record ServedKind(string Group, string Version, string Plural, string Kind)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The built-in kinds Kt uses; CRDs (Knative, KubeRay) are served only once "installed".</summary>
    public static IReadOnlyList<ServedKind> BuiltIn { get; } =
    [
        new("", "v1", "pods", "Pod"),
        new("", "v1", "services", "Service"),
        new("", "v1", "secrets", "Secret"),
        new("", "v1", "events", "Event"),
        new("apps", "v1", "deployments", "Deployment"),
        new("apps", "v1", "statefulsets", "StatefulSet"),
    ];

    public static ServedKind KnativeService { get; } = new("serving.knative.dev", "v1", "services", "Service");

    public static ServedKind RayCluster { get; } = new("ray.io", "v1", "rayclusters", "RayCluster");
}
