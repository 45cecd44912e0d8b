using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Kt.PodRuntime.Tests.Support;

/// <summary>Posts a setup plan as raw JSON, as a client that skipped the client library's own checks would send it.</summary>
public static class RawPlan
{
    /// <summary>The answer's status and its error code (or the whole body when it has none).</summary>
    public static async Task<(HttpStatusCode Status, string? Code)> PostAsync(RuntimeProcess runtime, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, runtime.Url("setup/plan")) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runtime.Token);
        using var response = await runtime.Raw.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text.Split('\n')[0]);
        return (response.StatusCode, document.RootElement.TryGetProperty("code", out var code) ? code.GetString() : text);
    }
}
