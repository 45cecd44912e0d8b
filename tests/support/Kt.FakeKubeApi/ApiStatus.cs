using System.Text.Json.Nodes;

namespace Kt.FakeKubeApi;

/// <summary>
/// The <c>Status</c> bodies a v1.32 API server answers with for refusals and deletes (kind Status, apiVersion v1,
/// status Failure|Success, message, reason, details, code), as documented in the API conventions.
/// </summary>
public static class ApiStatus
{
    public static JsonObject Failure(int code, string reason, string message, JsonObject? details = null) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["details"] = details ?? new JsonObject(),
        ["code"] = code,
    };

    public static JsonObject Success(ApiPath path, string? uid) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Success",
        ["details"] = Details(path, uid),
    };

    public static JsonObject NotFound(ApiPath path) =>
        Failure(404, "NotFound", $"{path.QualifiedResource} \"{path.Name}\" not found", Details(path, null));

    /// <summary>What an API server answers for a group/version/resource it does not serve (a CRD that is not installed).</summary>
    public static JsonObject NoSuchResource() => Failure(404, "NotFound", "the server could not find the requested resource");

    public static JsonObject Details(ApiPath path, string? uid)
    {
        var details = new JsonObject { ["name"] = path.Name, ["group"] = path.Group, ["kind"] = path.Plural };
        if (uid is not null)
        {
            details["uid"] = uid;
        }

        return details;
    }
}
