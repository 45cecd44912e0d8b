using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Kt.PodRuntime.Tests;

/// <summary>The pod protocol as a contract: one round trip for a no-change sync, bare-blob queries, typed answers.</summary>
public sealed class ProtocolTests
{
    [Fact]
    public async Task A_sync_that_changes_nothing_costs_one_request_and_a_changed_one_uploads_only_what_is_missing()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var app = temp.Sub("app");
        UserCode.Write(app, "Hello", new Dictionary<string, string> { ["a.txt"] = "a", ["b.txt"] = "b" });
        var first = await runtime.Client.SyncAsync(app, "v1");
        Assert.Equal(3, first.UploadedBlobs);

        var before = await RequestsAsync(runtime);
        var again = await runtime.Client.SyncAsync(app, "v1");
        var after = await RequestsAsync(runtime);
        Assert.Equal((0, true, true), (again.UploadedBlobs, again.Reused, again.Ready));
        Assert.Equal(2, after - before); // the sync's one request, and the second metrics read

        File.WriteAllText(Path.Combine(app, "b.txt"), "changed");
        before = await RequestsAsync(runtime);
        var changed = await runtime.Client.SyncAsync(app, "v2");
        after = await RequestsAsync(runtime);
        Assert.Equal(1, changed.UploadedBlobs);
        Assert.Equal(4, after - before); // ask, upload, ask again (activated), metrics
        Assert.True(await runtime.Client.IsReadyAsync("v2"));
    }

    [Fact]
    public async Task Bare_blob_queries_need_no_invented_manifest_and_bad_ones_are_refused()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var present = Encoding.UTF8.GetBytes("present");
        var presentSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(present));
        using (var stream = new MemoryStream(present))
        {
            await runtime.Client.UploadBlobAsync(presentSha, stream);
        }

        var absent = new string('d', 64);
        var (status, body) = await PostAsync(runtime, "sync/missing", JsonSerializer.Serialize(new MissingRequest { Blobs = [new BlobRef(presentSha, present.Length), new BlobRef(absent, 10)] }));
        Assert.Equal(HttpStatusCode.OK, status);
        var answer = JsonSerializer.Deserialize(body, PodJsonContext.Default.MissingResponse)!;
        Assert.Equal([absent], answer.Missing);
        Assert.Equal(10, answer.Bytes);

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(runtime, "sync/missing", "{\"blobs\":[{\"sha256\":\"nothex\",\"size\":1}]}")).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(runtime, "sync/missing", "{}")).Status);
        var uploaded = await runtime.Client.UploadMissingAsync([new BlobSource(presentSha, present.Length, "/nonexistent")]);
        Assert.Equal((0, 0L), uploaded); // present: nothing is read, nothing sent
    }

    [Fact]
    public async Task An_unauthenticated_caller_learns_nothing_about_the_pod()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "secret-version");
        using var response = await runtime.Raw.GetAsync(runtime.Url("journal"));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("KT4001", text, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-version", text, StringComparison.Ordinal);
        Assert.DoesNotContain("pod-a", text, StringComparison.Ordinal);
    }

    private static async Task<long> RequestsAsync(RuntimeProcess runtime) =>
        long.Parse((await runtime.Client.GetMetricsAsync()).Split('\n').Single(l => l.StartsWith("kt_requests_total ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);

    private static async Task<(HttpStatusCode Status, string Body)> PostAsync(RuntimeProcess runtime, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, runtime.Url(path)) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runtime.Token);
        using var response = await runtime.Raw.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
