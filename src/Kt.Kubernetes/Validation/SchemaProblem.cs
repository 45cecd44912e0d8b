namespace Kt.Kubernetes.Validation;

/// <summary>One schema violation: where (a JSON path such as <c>$.spec.template.spec.containers[0].name</c>) and what.</summary>
public sealed record SchemaProblem(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
