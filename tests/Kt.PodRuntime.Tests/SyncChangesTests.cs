using System.Net;
using System.Text.Json;

namespace Kt.PodRuntime.Tests;

/// <summary>
/// <c>POST /sync/deploy/changes</c> on a real runtime (issue 21 point 6): only the changes since the active manifest
/// travel and are checked, the pod still assembles a complete tree and switches atomically, a file user code wrote into
/// is restored from its blob, and a pod serving another base refuses (KT4054) so the client sends the whole manifest.
/// </summary>
public sealed class SyncChangesTests : IDisposable
{
    private readonly TempRoot _temp = new();

    [Fact]
    public async Task Only_the_changes_travel_and_the_pod_serves_exactly_the_new_tree()
    {
        var app = App();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "root"));
        var wire = new WireLog();
        using var client = new PodClient(runtime.Url(""), runtime.Token, wire);
        var builder = new ManifestBuilder();
        await client.SyncAsync(app, await builder.BuildAsync(app), "v1", since: null);

        UserCode.Write(app, "Changed");
        File.WriteAllText(Path.Combine(app, "data", "d0", "f1.txt"), "edited");
        File.Delete(Path.Combine(app, "data", "d0", "f2.txt"));
        File.Move(Path.Combine(app, "data", "d0", "f3.txt"), Path.Combine(app, "data", "d2", "renamed.txt"));
        Directory.CreateDirectory(Path.Combine(app, "extra"));
        File.WriteAllText(Path.Combine(app, "extra", "new.txt"), "new");
        wire.Clear();
        var since = builder.LastBuilt;
        var manifest = await builder.BuildAsync(app);
        var synced = await client.SyncAsync(app, manifest, "v2", since);

        Assert.Equal("v2", synced.Version);
        Assert.Equal(PodRoutes.SyncDeployChanges, wire.Requests[0].Path);
        Assert.Equal(PodRoutes.SyncDeployChanges, wire.Requests[^1].Path);
        Assert.All(wire.Requests.Where(r => r.Path == PodRoutes.SyncDeployChanges), r => Assert.True(r.Bytes < 4096, $"{r.Bytes} bytes for 300 files"));
        Assert.Equal("Changed x", await client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
        var served = await ServedAsync(runtime);
        Assert.Equal(manifest.Files, served.Manifest.Files);
        var tree = Path.Combine(runtime.Root, "versions", served.Folder);
        Assert.Equal(manifest.Files.Select(f => f.Path).Order(StringComparer.Ordinal),
            Directory.EnumerateFiles(tree, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(tree, f)).Order(StringComparer.Ordinal));
        Assert.Equal("edited", File.ReadAllText(Path.Combine(tree, "data", "d0", "f1.txt")));
        Assert.Equal("file 3", File.ReadAllText(Path.Combine(tree, "data", "d2", "renamed.txt")));
    }

    [Fact]
    public async Task A_file_user_code_wrote_into_is_restored_from_its_blob()
    {
        var app = App();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "root"));
        var builder = new ManifestBuilder();
        await runtime.Client.SyncAsync(app, await builder.BuildAsync(app), "v1", since: null);
        await runtime.Client.CallAsync<object>("Demo.Calc", "Scribble", ["data/d1/f100.txt", "scribbled by user code"]);

        File.WriteAllText(Path.Combine(app, "data", "d0", "f1.txt"), "edited");
        var since = builder.LastBuilt;
        await runtime.Client.SyncAsync(app, await builder.BuildAsync(app), "v2", since);

        var served = await ServedAsync(runtime);
        Assert.Equal("v2", served.Version);
        Assert.Equal("file 100", File.ReadAllText(Path.Combine(runtime.Root, "versions", served.Folder, "data", "d1", "f100.txt")));
    }

    [Fact]
    public async Task Changes_against_another_base_are_refused_and_the_whole_manifest_follows()
    {
        var app = App();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "root"));
        var builder = new ManifestBuilder();
        await runtime.Client.SyncAsync(app, await builder.BuildAsync(app), "v1", since: null);
        var since = builder.LastBuilt!;

        var other = _temp.Sub("other");
        UserCode.Write(other, "Other");
        await runtime.Client.SyncAsync(other, "v2"); // someone else's deploy: the pod no longer serves 'since'

        var refused = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.DeployChangesAsync(ManifestChanges.Between(since, since, "v3")));
        Assert.Equal((RuntimeErrorCodes.ChangesBaseMismatch, 409), (refused.Code, refused.StatusCode));

        File.WriteAllText(Path.Combine(app, "data", "d0", "f1.txt"), "edited");
        var wire = new WireLog();
        using var client = new PodClient(runtime.Url(""), runtime.Token, wire);
        var manifest = await builder.BuildAsync(app);
        await client.SyncAsync(app, manifest, "v3", since);

        Assert.Equal([PodRoutes.SyncDeployChanges, PodRoutes.SyncDeploy], wire.Requests.Select(r => r.Path).Take(2));
        Assert.Equal(manifest.Files, (await ServedAsync(runtime)).Manifest.Files);
        Assert.Equal("Hello x", await client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
    }

    public void Dispose() => _temp.Dispose();

    private string App()
    {
        var app = _temp.Sub("app-" + Guid.NewGuid().ToString("N")[..6]);
        UserCode.Write(app, "Hello", Enumerable.Range(0, 300).ToDictionary(i => $"data/d{i / 100}/f{i}.txt", i => $"file {i}"));
        return app;
    }

    private static async Task<(string Version, string Folder, ContentManifest Manifest)> ServedAsync(RuntimeProcess runtime)
    {
        var active = JsonSerializer.Deserialize(await GetAsync(runtime, "sync/active"), PodJsonContext.Default.ActiveVersion)!;
        var manifest = JsonSerializer.Deserialize(await GetAsync(runtime, "sync/manifest"), PodJsonContext.Default.ActivateRequest)!.Manifest;
        return (active.Version, active.Folder, manifest);
    }

    private static async Task<byte[]> GetAsync(RuntimeProcess runtime, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, runtime.Url(path));
        request.Headers.Authorization = new("Bearer", runtime.Token);
        using var response = await runtime.Raw.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Records each request's path and body size on its way to the real runtime (observes the wire, fakes nothing).</summary>
    private sealed class WireLog() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly List<(string Path, long Bytes)> _requests = [];

        public IReadOnlyList<(string Path, long Bytes)> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public void Clear()
        {
            lock (_requests)
            {
                _requests.Clear();
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var bytes = request.Content is null ? 0 : (await request.Content.ReadAsByteArrayAsync(cancellationToken)).Length;
            lock (_requests)
            {
                _requests.Add((request.RequestUri!.AbsolutePath, bytes));
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
