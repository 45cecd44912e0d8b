using System.Text.Json.Nodes;
using Kt.Kubernetes;
using Kt.Kubernetes.Validation;

namespace Kt.Kubernetes.Tests;

/// <summary>The strict validator over shared/schemas (found by walking up from the test's base directory).</summary>
internal static class Schemas
{
    public static ManifestValidator Validator => ManifestValidator.Default;

    /// <summary>Asserts the manifest passes strict validation and returns its JSON as sent.</summary>
    public static JsonObject AssertValid(object manifest)
    {
        var problems = Validator.Validate(manifest);
        Assert.True(problems.Count == 0, $"{ManifestJson.Identify(manifest)}:\n" + string.Join("\n", problems));
        return ManifestJson.ToNode(manifest);
    }

    public static JsonObject Single(IReadOnlyList<object> objects, string kind) =>
        ManifestJson.ToNode(Assert.Single(objects, o => (string?)ManifestJson.ToNode(o)["kind"] == kind));
}
