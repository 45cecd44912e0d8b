using System.Net;

namespace Kt.PodRuntime.Tests;

/// <summary>Frozen mode: the runtime serves the app folder baked into an image and takes neither code nor setup.</summary>
public sealed class FrozenTests : IDisposable
{
    private readonly TempRoot _temp = new();

    [Fact]
    public async Task A_frozen_pod_serves_the_baked_folder_and_refuses_sync_and_setup_with_kt4050()
    {
        var app = _temp.Sub("app");
        UserCode.Write(app, "Frozen");
        var before = Directory.GetFiles(app, "*", SearchOption.AllDirectories).Length;
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "root"), extra: ["--frozen-app", app, "--frozen-version", "img-1"]);

        await runtime.Client.WaitReadyAsync("img-1", TimeSpan.FromSeconds(30));
        Assert.Equal("Frozen x", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
        Assert.Equal(app, await runtime.Client.CallAsync<string>("Demo.Calc", "Env", ["KT_CODE_DIR"]));

        var other = _temp.Sub("other");
        UserCode.Write(other, "Live");
        var sync = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.SyncAsync(other, "v2"));
        Assert.Equal(("KT4050", 409), (sync.Code, sync.StatusCode));
        var plan = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.ApplyPlanAsync(new LivePlan()));
        Assert.Equal("KT4050", plan.Code);

        Assert.Equal("Frozen x", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
        Assert.Equal(before, Directory.GetFiles(app, "*", SearchOption.AllDirectories).Length); // nothing written into the image's folder
    }

    [Fact]
    public async Task A_frozen_pod_run_as_a_user_that_cannot_write_its_root_serves_from_a_scratch_folder()
    {
        // As an image run as ContainerUser 1000 whose /kt/data belongs to root: the folders are root's, 0755.
        File.SetUnixFileMode(_temp.Path, (UnixFileMode)Convert.ToInt32("777", 8)); // token and port files beside the root
        var app = _temp.Sub("app");
        UserCode.Write(app, "Frozen");
        var root = _temp.Sub("root");
        await using var runtime = await RuntimeProcess.StartAsUserAsync(root, 1000, "--frozen-app", app, "--frozen-version", "img-1");

        await runtime.Client.WaitReadyAsync("img-1", TimeSpan.FromSeconds(30));
        Assert.Equal("Frozen x", await runtime.Client.CallAsync<string>("Demo.Calc", "Greet", ["x"]));
        Assert.Contains("is not writable by user 1000", runtime.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(root));
    }

    [Fact]
    public async Task A_live_pod_whose_root_is_not_writable_exits_with_kt4052_naming_the_user()
    {
        File.SetUnixFileMode(_temp.Path, (UnixFileMode)Convert.ToInt32("777", 8));
        var root = _temp.Sub("root");
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RuntimeProcess.StartAsUserAsync(root, 1000));
        Assert.Contains("KT4052", error.Message, StringComparison.Ordinal);
        Assert.Contains("not writable by user 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_bare_readiness_probe_needs_no_token_and_says_nothing_else()
    {
        var app = _temp.Sub("app");
        UserCode.Write(app, "Frozen");
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "root"), extra: ["--frozen-app", app]);
        await runtime.Client.WaitReadyAsync("frozen", TimeSpan.FromSeconds(30));

        using var anonymous = new HttpClient();
        using var probe = await anonymous.GetAsync(runtime.Url("health/ready"));
        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal("""{"ready":true}""", await probe.Content.ReadAsStringAsync());
        using var detailed = await anonymous.GetAsync(runtime.Url("ready"));
        Assert.Equal(HttpStatusCode.Unauthorized, detailed.StatusCode);
    }

    [Fact]
    public async Task A_missing_frozen_folder_stops_the_runtime_with_kt4000()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            RuntimeProcess.StartAsync(Path.Combine(_temp.Path, "root"), extra: ["--frozen-app", Path.Combine(_temp.Path, "absent")]));
        Assert.Contains("KT4000", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _temp.Dispose();
}
