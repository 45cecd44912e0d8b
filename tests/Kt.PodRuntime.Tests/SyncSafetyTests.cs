using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Kt.PodRuntime.Tests;

/// <summary>Hostile and broken sync input: every case is refused with a KT code, nothing lands outside the root, v1 stays live.</summary>
public sealed class SyncSafetyTests
{
    private static string Sha(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [Fact]
    public async Task Bad_input_is_refused_without_writing_outside_the_root_and_the_active_version_stays()
    {
        using var temp = new TempRoot();
        var root = Path.Combine(temp.Path, "root");
        await using var runtime = await RuntimeProcess.StartAsync(root, extra: ["--max-blob-bytes", "4096"]);
        var small = temp.Sub("small");
        File.WriteAllText(Path.Combine(small, "marker.txt"), "v1");
        await runtime.Client.SyncAsync(small, "v1");
        var outside = Snapshot(temp.Path, root);

        var good = Encoding.UTF8.GetBytes("hello");
        var goodSha = Sha(good);
        Assert.Equal(HttpStatusCode.Created, (await Put(runtime, goodSha, good)).StatusCode);

        string[] badPaths =
        [
            "../escape.txt", "a/../../escape.txt", "/etc/passwd", "/abs.txt", "a\\b.txt", "..\\x", "C:/x.txt", "c:x", "a//b", "a/./b", ".", "..", "",
            "a\0b", "dir/\u0001x", "x\u007f", new string('n', 300),
        ];
        foreach (var path in badPaths)
        {
            var manifest = new ContentManifest([new ContentEntry(path, good.Length, 420, goodSha)]);
            await AssertRefused(runtime, "sync/missing", manifest, 400);
            await AssertRefused(runtime, "sync/activate", new { version = "bad", manifest }, 400);
        }

        // A lone surrogate cannot come from a serializer; it is sent as a raw JSON escape.
        using (var lone = await Send(runtime, HttpMethod.Post, "sync/missing", $$$"""{"files":[{"path":"\ud800bad","size":5,"mode":420,"sha256":"{{{goodSha}}}"}]}"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, lone.StatusCode);
            Assert.Contains(await Code(lone), new[] { "KT4002", "KT4020" }); // the JSON reader may refuse it before path rules do
        }

        var duplicate = new ContentManifest([new ContentEntry("x.txt", 5, 420, goodSha), new ContentEntry("x.txt", 5, 420, goodSha)]);
        Assert.Equal("KT4021", await AssertRefused(runtime, "sync/activate", new { version = "dup", manifest = duplicate }, 400));
        var fileAndFolder = new ContentManifest([new ContentEntry("x", 5, 420, goodSha), new ContentEntry("x/y", 5, 420, goodSha)]);
        Assert.Equal("KT4021", await AssertRefused(runtime, "sync/activate", new { version = "dup2", manifest = fileAndFolder }, 400));
        var badHash = new ContentManifest([new ContentEntry("x.txt", 5, 420, "ABC")]);
        Assert.Equal("KT4027", await AssertRefused(runtime, "sync/missing", badHash, 400));
        var tooBig = new ContentManifest([new ContentEntry("x.txt", 1 << 20, 420, goodSha)]);
        Assert.Equal("KT4022", await AssertRefused(runtime, "sync/missing", tooBig, 413));
        var unknown = new ContentManifest([new ContentEntry("x.txt", 5, 420, new string('a', 64))]);
        Assert.Equal("KT4024", await AssertRefused(runtime, "sync/activate", new { version = "unknown", manifest = unknown }, 409));
        var wrongSize = new ContentManifest([new ContentEntry("x.txt", 6, 420, goodSha)]);
        Assert.Equal("KT4028", await AssertRefused(runtime, "sync/activate", new { version = "size", manifest = wrongSize }, 400));
        foreach (var version in new[] { "../v", "a/b", "", ".hidden", "v\0", new string('v', 200) })
        {
            Assert.Equal("KT4025", await AssertRefused(runtime, "sync/activate", new { version, manifest = new ContentManifest([new ContentEntry("x.txt", 5, 420, goodSha)]) }, 400));
        }

        // Uploads: hash mismatch, over the size limit, not a hash.
        var mismatch = await Put(runtime, Sha(Encoding.UTF8.GetBytes("other")), good);
        Assert.Equal((HttpStatusCode.BadRequest, "KT4023"), (mismatch.StatusCode, await Code(mismatch)));
        var huge = new byte[8192];
        var over = await Put(runtime, Sha(huge), huge);
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "KT4022"), (over.StatusCode, await Code(over)));
        var chunked = await Put(runtime, Sha(huge), huge, chunked: true);
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "KT4022"), (chunked.StatusCode, await Code(chunked)));
        var notHash = await Put(runtime, "..%2F..%2Fescape", good);
        Assert.True(notHash.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound);

        // Malformed JSON everywhere it is read.
        foreach (var endpoint in new[] { "sync/missing", "sync/activate", "setup/plan", "fn/Demo.Calc/Add" })
        {
            foreach (var body in new[] { "{", "[1,2]", "null", "{\"files\": 3}", "\"text\"", "{\"steps\": {}}" })
            {
                using var response = await Send(runtime, HttpMethod.Post, endpoint, body);
                Assert.True((int)response.StatusCode is >= 400 and < 500, $"{endpoint} {body} -> {(int)response.StatusCode}");
                Assert.StartsWith("KT40", await Code(response));
            }
        }

        Assert.Equal(outside, Snapshot(temp.Path, root));
        Assert.Equal("v1", File.ReadAllText(Path.Combine(root, "current", "marker.txt")));
        Assert.True(await runtime.Client.IsReadyAsync("v1"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "staging")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "blobs", "tmp")));
    }

    [Fact]
    public async Task Symlinks_that_leave_their_folder_are_refused()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var secret = Path.Combine(temp.Path, "secret.txt");
        File.WriteAllText(secret, "secret");

        // Client side: a synced folder with a link to the outside.
        var app = temp.Sub("app");
        File.WriteAllText(Path.Combine(app, "ok.txt"), "ok");
        File.CreateSymbolicLink(Path.Combine(app, "leak.txt"), secret);
        var refused = await Assert.ThrowsAsync<KtException>(() => runtime.Client.SyncAsync(app, "v1"));
        Assert.Equal("KT4026", refused.Code);

        // Server side: a file step destination containing a link that points outside it.
        var destination = temp.Sub("dest");
        var elsewhere = temp.Sub("elsewhere");
        Directory.CreateSymbolicLink(Path.Combine(destination, "sub"), elsewhere);
        File.Delete(Path.Combine(app, "leak.txt"));
        var files = temp.Sub("files");
        Directory.CreateDirectory(Path.Combine(files, "sub"));
        File.WriteAllText(Path.Combine(files, "sub", "x.txt"), "x");
        var manifest = await runtime.Client.UploadFolderBlobsAsync(files);
        var step = new LiveStep { Key = new string('9', 64), Kind = "copy", Description = "copy", Files = new LiveFiles(destination, manifest) };
        var error = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.ApplyPlanAsync(new LivePlan { Steps = [step] }));
        Assert.Equal("KT4026", error.Code);
        Assert.Empty(Directory.EnumerateFileSystemEntries(elsewhere));
        Assert.Empty(await runtime.Client.GetJournalAsync());
    }

    private static async Task<string?> AssertRefused(RuntimeProcess runtime, string endpoint, object body, int status)
    {
        var json = JsonSerializer.Serialize(body);
        using var response = await Send(runtime, HttpMethod.Post, endpoint, json);
        Assert.True(status == (int)response.StatusCode, $"{endpoint} {json} -> {(int)response.StatusCode}");
        return await Code(response);
    }

    private static async Task<string?> Code(HttpResponseMessage response)
    {
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("code").GetString();
    }

    private static async Task<HttpResponseMessage> Send(RuntimeProcess runtime, HttpMethod method, string path, string body)
    {
        using var request = new HttpRequestMessage(method, runtime.Url(path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runtime.Token);
        return await runtime.Raw.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> Put(RuntimeProcess runtime, string sha, byte[] bytes, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, runtime.Url("sync/blobs/" + sha))
        {
            Content = chunked ? new StreamContent(new MemoryStream(bytes)) : new ByteArrayContent(bytes),
        };
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runtime.Token);
        return await runtime.Raw.SendAsync(request);
    }

    // Everything in the test's temp folder except the runtime root (and the runtime's token/port files).
    private static string Snapshot(string parent, string root) =>
        string.Join('\n', Directory.EnumerateFileSystemEntries(parent, "*", SearchOption.AllDirectories)
            .Where(p => !p.StartsWith(root, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal));
}
