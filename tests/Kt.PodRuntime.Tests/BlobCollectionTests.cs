using System.Security.Cryptography;
using System.Text;

namespace Kt.PodRuntime.Tests;

/// <summary>Blobs that no kept version links to any more are collected after an activation; pending uploads are not.</summary>
public sealed class BlobCollectionTests : IDisposable
{
    private readonly TempRoot _temp = new();

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private string BlobPath(string root, string text) => Path.Combine(root, "blobs", "sha256", Sha(text));

    private string Version(string name, params string[] files)
    {
        var folder = _temp.Sub(name);
        UserCode.Write(folder, "Hello", files.ToDictionary(f => $"data/{f}.txt", f => $"content {f}"));
        return folder;
    }

    [Fact]
    public async Task Blobs_of_removed_versions_go_and_blobs_of_kept_versions_stay()
    {
        var root = Path.Combine(_temp.Path, "root");
        await using var runtime = await RuntimeProcess.StartAsync(root, extra: ["--keep-versions", "1", "--blob-grace-seconds", "0"]);

        await runtime.Client.SyncAsync(Version("v1", "shared", "only-v1"), "v1");
        await runtime.Client.SyncAsync(Version("v2", "shared", "only-v2"), "v2");
        Assert.True(File.Exists(BlobPath(root, "content only-v1")), "v1 is still kept (one old version)");

        await runtime.Client.SyncAsync(Version("v3", "shared", "only-v3"), "v3");

        Assert.False(File.Exists(BlobPath(root, "content only-v1")), "v1's own blob is collected with v1");
        Assert.True(File.Exists(BlobPath(root, "content only-v2")));
        Assert.True(File.Exists(BlobPath(root, "content shared")));
        Assert.Equal("Hello x", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));

        // The collected blob is simply uploaded again when a later version needs it.
        var again = await runtime.Client.SyncAsync(Version("v4", "shared", "only-v1"), "v4");
        Assert.True(File.Exists(BlobPath(root, "content only-v1")));
        Assert.Equal(1, again.UploadedBlobs);
    }

    [Fact]
    public async Task A_blob_uploaded_for_a_sync_that_has_not_activated_survives_other_activations()
    {
        var root = Path.Combine(_temp.Path, "root");
        await using var runtime = await RuntimeProcess.StartAsync(root, extra: ["--keep-versions", "1"]);
        using (var pending = new MemoryStream(Encoding.UTF8.GetBytes("pending upload")))
        {
            await runtime.Client.UploadBlobAsync(Sha("pending upload"), pending);
        }

        await runtime.Client.SyncAsync(Version("v1", "a"), "v1");
        await runtime.Client.SyncAsync(Version("v2", "b"), "v2");
        await runtime.Client.SyncAsync(Version("v3", "c"), "v3");

        Assert.True(File.Exists(BlobPath(root, "pending upload")), "younger than the grace period");
        Assert.DoesNotContain(Directory.GetDirectories(Path.Combine(root, "versions")), d => Path.GetFileName(d).StartsWith("v1-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Blobs_of_recorded_file_steps_stay_for_pods_that_replay_the_setup()
    {
        var root = Path.Combine(_temp.Path, "root");
        await using var runtime = await RuntimeProcess.StartAsync(root, extra: ["--keep-versions", "1", "--blob-grace-seconds", "0"]);
        const string content = "model config";
        using (var upload = new MemoryStream(Encoding.UTF8.GetBytes(content)))
        {
            await runtime.Client.UploadBlobAsync(Sha(content), upload);
        }

        var destination = _temp.Sub("etc");
        var copy = new LiveStep
        {
            Key = "c".PadRight(64, '0'), Kind = "copy", Description = "copy config",
            Files = new LiveFiles(destination, new ContentManifest([new ContentEntry("config.json", content.Length, 420, Sha(content))])),
        };
        await runtime.Client.ApplyPlanAsync(new LivePlan { Steps = [copy] });

        await runtime.Client.SyncAsync(Version("v1", "a"), "v1");
        await runtime.Client.SyncAsync(Version("v2", "b"), "v2");
        await runtime.Client.SyncAsync(Version("v3", "c"), "v3");

        Assert.True(File.Exists(BlobPath(root, content)), "the journal's file step keeps its blob");
        Assert.False(File.Exists(BlobPath(root, "content a")));
    }

    public void Dispose() => _temp.Dispose();
}
