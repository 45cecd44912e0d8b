using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Kt.PodRuntime.Tests;

/// <summary>Issue 12, inputs that must be refused or bounded (points 7-9).</summary>
public sealed class InputBoundsFaultTests
{
    [Fact]
    public async Task Fault8_names_are_limited_in_utf8_bytes_not_characters()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var fits = temp.Sub("fits");
        var name = new string('é', 120) + ".txt"; // 244 bytes: within NAME_MAX
        File.WriteAllText(Path.Combine(fits, name), "fits");
        await runtime.Client.SyncAsync(fits, "v1");
        Assert.Equal("fits", File.ReadAllText(Path.Combine(runtime.Root, "current", name)));

        var manifest = await runtime.Client.BuildManifestAsync(fits);
        var tooLong = new ContentManifest([manifest.Files[0] with { Path = new string('é', 200) }]); // 200 characters, 400 bytes
        foreach (var (route, body) in new (string, object)[] { ("sync/missing", tooLong), ("sync/activate", new ActivateRequest("v2", tooLong)) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, runtime.Url(route)) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runtime.Token);
            using var response = await runtime.Raw.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("KT4020", error.RootElement.GetProperty("code").GetString());
            Assert.Contains("400 bytes", error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.True(await runtime.Client.IsReadyAsync("v1"));
    }
}
