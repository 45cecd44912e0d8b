using System.Security.Cryptography;
using System.Text;

namespace Kt.PodRuntime.Tests;

/// <summary>Faults that used to leave a pod stuck until someone wiped it (issue 12, faults 1-3): each is reproduced here.</summary>
public sealed class StuckPodFaultTests : IDisposable
{
    private readonly TempRoot _temp = new();

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string ShaOfFile(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private string App(string name, string greeting, IReadOnlyDictionary<string, string> files)
    {
        var folder = _temp.Sub(name);
        UserCode.Write(folder, greeting, files);
        return folder;
    }

    [Fact]
    public async Task Fault1_user_code_writing_into_its_code_folder_never_reaches_the_blob_store()
    {
        var root = Path.Combine(_temp.Path, "root");
        var definition = "{\"image\":" + new string('x', 580) + "\"}";
        var files = new Dictionary<string, string> { ["kt.definition.json"] = definition, ["marker1.txt"] = "v1" };
        var v1 = App("v1", "Hello", files);
        await using (var runtime = await RuntimeProcess.StartAsync(root))
        {
            await runtime.Client.SyncAsync(v1, "v1");
            await runtime.Client.CallAsync<object>("Demo.Calc", "Scribble", ["kt.definition.json", "{}"]);
            await runtime.Client.CallAsync<object>("Demo.Calc", "Scribble", ["unlisted.txt", "new"]);
            Assert.Equal("{}", File.ReadAllText(Path.Combine(root, "current", "kt.definition.json"))); // the app's own copy changed

            var blob = Path.Combine(root, "blobs", "sha256", Sha(definition));
            Assert.Equal(Sha(definition), ShaOfFile(blob));

            // Another version sharing the file, then the written-into version again: both activate, v1 is rebuilt.
            await runtime.Client.SyncAsync(App("v2", "Hi", files), "v2");
            Assert.Equal("Hi x", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
            var again = await runtime.Client.SyncAsync(v1, "v1");
            Assert.False(again.Reused);
            Assert.Equal(definition, File.ReadAllText(Path.Combine(root, "current", "kt.definition.json")));
            Assert.False(File.Exists(Path.Combine(root, "current", "unlisted.txt")));
            Assert.Equal("Hello x", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));

            // A blob damaged on disk (as the hard links of old let user code do) is not trusted for being there: the
            // whole manifest (what a new deploy sends; a session's next sync checks only what changed, and takes the
            // unchanged files from the active tree, not from the blob store) reports it missing, it is uploaded again,
            // and the sync succeeds.
            File.SetUnixFileMode(blob, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(blob, "{}");
            var v3 = App("v3", "Hey", files);
            var repaired = await runtime.Client.SyncAsync(v3, await runtime.Client.BuildManifestAsync(v3), "v3");
            Assert.Equal(2, repaired.UploadedBlobs); // the new Demo.dll and the damaged blob
            Assert.Equal(Sha(definition), ShaOfFile(blob));

            await runtime.Client.CallAsync<object>("Demo.Calc", "Scribble", ["kt.definition.json", "{}"]);
        }

        // A restart serves the synced version, not what user code wrote into it.
        await using (var restarted = await RuntimeProcess.StartAsync(root))
        {
            Assert.Equal(definition, File.ReadAllText(Path.Combine(root, "current", "kt.definition.json")));
            Assert.Equal("Hey x", await restarted.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
            await restarted.Client.SyncAsync(v1, "v1");
            Assert.Equal("Hello x", await restarted.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
        }
    }

    [Fact]
    public async Task Fault2_a_version_folder_left_half_deleted_by_a_killed_prune_is_rebuilt_not_refused()
    {
        var root = Path.Combine(_temp.Path, "root");
        var markers = Enumerable.Range(0, 10).ToDictionary(i => $"marker{i}.txt", _ => "v1");
        var v1 = App("v1", "Hello", markers);
        await using (var runtime = await RuntimeProcess.StartAsync(root))
        {
            await runtime.Client.SyncAsync(v1, "v1");
            await runtime.Client.SyncAsync(App("v2", "Hi", new Dictionary<string, string> { ["marker0.txt"] = "v2" }), "v2");
        }

        // What a kill -9 in the middle of a recursive delete leaves: some of the folder's files gone, and a trash folder.
        var v1Folder = Directory.GetDirectories(Path.Combine(root, "versions"), "v1-*").Single();
        foreach (var file in Directory.GetFiles(v1Folder).Take(5))
        {
            File.Delete(file);
        }

        var trash = Directory.CreateDirectory(Path.Combine(root, "trash", "v0-interrupted"));
        File.WriteAllText(Path.Combine(trash.FullName, "left.txt"), "half");

        await using (var restarted = await RuntimeProcess.StartAsync(root))
        {
            await restarted.Client.SyncAsync(v1, "v1");
            Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(root, "trash")));
            Assert.Equal(["v1"], (await restarted.Client.CallAsync<string[]>("Demo.Calc", "Markers"))!);
            Assert.Equal(10, Directory.GetFiles(Path.Combine(root, "current"), "marker*.txt").Length);
        }
    }

    [Fact]
    public async Task Fault3_pruning_keeps_the_folder_of_a_version_with_calls_in_flight()
    {
        var root = Path.Combine(_temp.Path, "root");
        await using var runtime = await RuntimeProcess.StartAsync(root, extra: ["--keep-versions", "1"]);
        await runtime.Client.SyncAsync(App("v1", "Hello", new Dictionary<string, string> { ["marker.txt"] = "v1" }), "v1");
        var started = Path.Combine(_temp.Path, "started");
        var release = Path.Combine(_temp.Path, "release");
        var inFlight = runtime.Client.CallAsync<string[]>("Demo.Calc", "MarkersWhen", [started, release]);
        while (!File.Exists(started))
        {
            Assert.False(inFlight.IsCompleted, inFlight.Exception?.ToString());
            await Task.Delay(10);
        }

        // v1 is two versions behind after v3 (one old version is kept): it would go, but a call still runs on it.
        for (var n = 2; n <= 3; n++)
        {
            await runtime.Client.SyncAsync(App($"v{n}", $"Hi{n}", new Dictionary<string, string> { ["marker.txt"] = $"v{n}" }), $"v{n}");
        }

        Assert.Single(Directory.GetDirectories(Path.Combine(root, "versions"), "v1-*"));
        File.WriteAllText(release, "go");
        Assert.Equal(["v1"], (await inFlight)!);

        // With the call done, the next prune removes it; the kept version is the most recently activated old one.
        await runtime.Client.SyncAsync(App("v4", "Hi4", new Dictionary<string, string> { ["marker.txt"] = "v4" }), "v4");
        Assert.Equal(["v3", "v4"], Directory.GetDirectories(Path.Combine(root, "versions")).Select(d => Path.GetFileName(d).Split('-')[0]).Order());
    }

    public void Dispose() => _temp.Dispose();
}
