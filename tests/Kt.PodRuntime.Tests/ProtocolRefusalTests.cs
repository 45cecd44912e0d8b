using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Kt.PodRuntime.Tests;

/// <summary>
/// Issue 22 ("smaller"): refusals made by routing itself, not by a handler — an unknown route, a wrong method — carry
/// the KT error envelope like every other error. Before, they were a bare 404 / 405 with no body.
/// </summary>
public sealed class ProtocolRefusalTests
{
    [Fact]
    public async Task An_unknown_route_and_a_wrong_method_answer_with_the_envelope()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));

        var (notFound, notFoundBody) = await SendAsync(runtime, HttpMethod.Get, "no/such/route");
        var (wrongMethod, wrongMethodBody) = await SendAsync(runtime, HttpMethod.Delete, "journal");

        Assert.Equal(HttpStatusCode.NotFound, notFound);
        Assert.Equal(("KT4004", 404), Envelope(notFoundBody));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod);
        Assert.Equal(("KT4005", 405), Envelope(wrongMethodBody));
    }

    private static async Task<(HttpStatusCode, string)> SendAsync(RuntimeProcess runtime, HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, runtime.Url(path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runtime.Token);
        using var response = await runtime.Raw.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static (string?, int) Envelope(string body)
    {
        Assert.False(string.IsNullOrEmpty(body), "no body: not the envelope");
        using var document = JsonDocument.Parse(body);
        return (document.RootElement.GetProperty("code").GetString(), document.RootElement.GetProperty("status").GetInt32());
    }
}
