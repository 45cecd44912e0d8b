using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Kt.PodRuntime.Tests;

/// <summary>Issue 12, inputs that must be refused or bounded (points 7-9).</summary>
public sealed class InputBoundsFaultTests
{
    [Fact]
    public async Task Fault7_call_output_is_bounded_in_bytes_and_long_lines_are_cut_visibly()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "v1");
        var lines = new List<RemoteLogLine>();
        Assert.Equal(10, await runtime.Client.CallAsync<int>("Demo.Calc", "Shout", [10], options: new CallOptions { OnLog = lines.Add }));
        var line = Assert.Single(lines).Line!;
        Assert.True(line.Length < 17 * 1024, $"{line.Length} characters");
        Assert.EndsWith("[line truncated: " + ((10 << 20) - (16 * 1024)) + " more characters not captured]", line, StringComparison.Ordinal);

        var before = ServerRssMiB(runtime);
        for (var i = 0; i < 30; i++)
        {
            await runtime.Client.CallAsync<int>("Demo.Calc", "Shout", [10]);
        }

        // 30 x 10 Mi characters were 600 MiB of retained strings before; now the ring keeps 16 MiB at most.
        Assert.True(ServerRssMiB(runtime) - before < 150, $"server RSS grew from {before} to {ServerRssMiB(runtime)} MiB");
        var retained = 0L;
        await foreach (var record in runtime.Client.FollowLogsAsync(follow: false))
        {
            retained += record.Line?.Length ?? 0;
        }

        Assert.InRange(retained, 16 * 1024, 8L << 20);
        Assert.Equal(3, await runtime.Client.CallAsync<int>("Demo.Calc", "Add", [1, 2]));
    }

    [Fact]
    public async Task Fault9_a_result_over_the_limit_says_its_size_and_the_limit()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "v1");
        var error = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.CallAsync<string>("Demo.Calc", "Big", [300]));
        Assert.Equal("KT4038", error.Code);
        Assert.Contains("256 MiB", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, await runtime.Client.CallAsync<int>("Demo.Calc", "Add", [1, 2]));
    }

    [Fact]
    public async Task Fault9_a_stack_overflow_names_the_top_user_frames()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "v1");
        var crash = await Assert.ThrowsAsync<RemoteException>(() => runtime.Client.CallAsync<int>("Demo.Calc", "Recurse", [0]));
        Assert.Equal("KT4035", crash.Code);
        Assert.Contains("Stack overflow", crash.Message, StringComparison.Ordinal);
        Assert.Contains("Top user frames: at Demo.Calc.Recurse(Int32)", crash.Message, StringComparison.Ordinal);
        await runtime.Client.WaitReadyAsync("v1", TimeSpan.FromSeconds(30));
        Assert.Equal(3, await runtime.Client.CallAsync<int>("Demo.Calc", "Add", [1, 2]));
    }

    private static double ServerRssMiB(RuntimeProcess runtime)
    {
        var line = File.ReadAllLines($"/proc/{runtime.ProcessId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }

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
