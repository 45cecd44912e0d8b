using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Kt.PodRuntime.Tests.Abuse;

/// <summary>
/// Issue 22 (3): request bodies are bounded in bytes in flight across requests, and their memory comes back; a
/// manifest is bounded in entries and refused before any work.
/// </summary>
public sealed class RequestBodyBoundsTests
{
    private const int BodyMiB = 63;
    private const int Concurrent = 6;

    [Fact]
    public async Task Concurrent_large_bodies_share_a_bounded_budget_and_their_memory_comes_back()
    {
        using var temp = new TempRoot();
        // A budget of two such bodies at a time.
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), extra: ["--max-body-bytes-in-flight", $"{130L << 20}"]);
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "v1");
        Assert.Equal(3, await runtime.Client.CallAsync<int>("Demo.Calc", "Length", ["abc"]));
        var baseline = ProcessProbe.RssMiB(runtime.ProcessId);

        var text = new string('b', (BodyMiB << 20) - 64);
        var json = Encoding.UTF8.GetBytes($$"""{"args":["{{text}}"]}""");
        var peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ProcessProbe.RssMiB(runtime.ProcessId));
                await Task.Delay(20);
            }
        });
        var answers = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(async _ =>
        {
            using var request = ProcessProbe.Call(runtime, "Demo.Calc", "Length", "{}");
            request.Content = new ByteArrayContent(json) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
            using var response = await runtime.Raw.SendAsync(request);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
        }));
        sampling.Cancel();
        await sampler;

        Assert.All(answers, answer => Assert.True(answer.StatusCode == HttpStatusCode.OK && answer.Body == text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{answer.StatusCode}: {answer.Body[..Math.Min(300, answer.Body.Length)]}"));
        Assert.True(peak - baseline < 300, $"{Concurrent} concurrent {BodyMiB} MiB bodies took the server from {baseline:0} to {peak:0} MiB");

        // The memory comes back once the bodies are done with.
        var back = Stopwatch.StartNew();
        while (ProcessProbe.RssMiB(runtime.ProcessId) - baseline >= 64 && back.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(100);
        }

        Assert.True(ProcessProbe.RssMiB(runtime.ProcessId) - baseline < 64, $"the server still holds {ProcessProbe.RssMiB(runtime.ProcessId) - baseline:0} MiB after the calls");
    }

    [Fact]
    public async Task A_manifest_over_the_entry_limit_is_refused_before_any_work()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), extra: ["--max-manifest-entries", "1000"]);
        var files = Enumerable.Range(0, 1001).Select(i => new ContentEntry($"f/{i}.txt", 1, 420, new string('a', 64))).ToList();
        // A plan's file lists count too (with its steps and environment: every object of the plan).
        var plan = new LivePlan { Steps = [new LiveStep { Key = new string('b', 64), Kind = "copy", Description = "copy", Files = new LiveFiles("/tmp/kt-never", new ContentManifest(files)) }] };
        foreach (var (route, body) in new (string, object)[] { ("sync/missing", new ContentManifest(files)), ("sync/deploy", new ActivateRequest("v1", new ContentManifest(files))), ("setup/plan", plan) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, runtime.Url(route)) { Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", runtime.Token);
            using var response = await runtime.Raw.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            using var error = JsonDocument.Parse((await response.Content.ReadAsStringAsync()).Split('\n')[0]);
            Assert.Equal("KT4046", error.RootElement.GetProperty("code").GetString());
            Assert.Contains("1000", error.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // At the limit it is read as before.
        var fits = new ContentManifest(files.Take(1000).ToList());
        Assert.Contains(new string('a', 64), await runtime.Client.GetMissingAsync(fits));
    }
}
