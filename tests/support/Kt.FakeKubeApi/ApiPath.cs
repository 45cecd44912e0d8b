namespace Kt.FakeKubeApi;

/// <summary>
/// A parsed resource URL: <c>/api/v1/namespaces/{ns}/{plural}[/{name}[/{subresource}]]</c> or
/// <c>/apis/{group}/{version}/namespaces/{ns}/{plural}[/{name}[/{subresource}]]</c>.
/// </summary>
public sealed record ApiPath(string Group, string Version, string Namespace, string Plural, string? Name, string? Subresource)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>How the server names the resource in messages: <c>deployments.apps</c>, <c>secrets</c>.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public static ApiPath? Parse(string path)
    {
        var parts = path.Trim('/').Split('/');
        int rest;
        string group, version;
        if (parts.Length >= 2 && parts[0] == "api")
        {
            (group, version, rest) = ("", parts[1], 2);
        }
        else if (parts.Length >= 3 && parts[0] == "apis")
        {
            (group, version, rest) = (parts[1], parts[2], 3);
        }
        else
        {
            return null;
        }

        if (parts.Length < rest + 3 || parts[rest] != "namespaces")
        {
            return null;
        }

        return new ApiPath(
            group,
            version,
            Uri.UnescapeDataString(parts[rest + 1]),
            parts[rest + 2],
            parts.Length > rest + 3 ? Uri.UnescapeDataString(parts[rest + 3]) : null,
            parts.Length > rest + 4 ? parts[rest + 4] : null);
    }
}
