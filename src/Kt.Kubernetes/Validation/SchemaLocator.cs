using Kt.Core;

namespace Kt.Kubernetes.Validation;

/// <summary>
/// Finds the upstream schema folder (<c>shared/schemas</c> beside the repository: Kubernetes OpenAPI v3 documents,
/// Knative and KubeRay CRDs). Set <c>KT_SCHEMAS_DIR</c> to point elsewhere.
/// </summary>
public static class SchemaLocator
{
    public const string EnvironmentVariable = "KT_SCHEMAS_DIR";

    /// <summary>
    /// Walks up from <paramref name="startDirectory"/> (default: the application base directory) and returns the first
    /// <c>shared/schemas</c> folder found; throws KT5302 with the places it looked when there is none.
    /// </summary>
    public static string Find(string? startDirectory = null)
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } configured)
        {
            return Directory.Exists(configured)
                ? configured
                : throw new KtException("KT5302", $"{EnvironmentVariable} points to '{configured}', which does not exist.");
        }

        var start = Path.GetFullPath(startDirectory ?? AppContext.BaseDirectory);
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "schemas");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new KtException(
            "KT5302",
            $"No 'shared/schemas' folder found in '{start}' or any parent. The schemas live beside the repository " +
            $"(<parent>/shared/schemas next to <parent>/<repo>); clone them there or set {EnvironmentVariable}.");
    }
}
