using System.Net;
using System.Net.Http.Headers;

namespace Kt.PodRuntime.Tests;

/// <summary>One runtime with the demo library synced; calls, errors, logs, classes, auth and metrics against it.</summary>
public sealed class CallFixture : IAsyncLifetime
{
    public TempRoot Temp { get; } = new();

    public RuntimeProcess Runtime { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Runtime = await RuntimeProcess.StartAsync(Path.Combine(Temp.Path, "root"));
        var app = Temp.Sub("app-v1");
        UserCode.Write(app, "Hello");
        await Runtime.Client.SyncAsync(app, "v1");
    }

    public async Task DisposeAsync()
    {
        await Runtime.DisposeAsync();
        Temp.Dispose();
    }
}

public sealed class CallTests(CallFixture fixture) : IClassFixture<CallFixture>
{
    private PodClient Client => fixture.Runtime.Client;

    [Fact]
    public async Task Static_methods_bind_positional_named_default_and_complex_arguments()
    {
        Assert.Equal(5, await Client.CallAsync<int>("Demo.Calc", "Add", [2, 3]));
        Assert.Equal(7, await Client.CallAsync<int>("Demo.Calc", "Add", kwargs: new Dictionary<string, object?> { ["a"] = 3, ["b"] = 4 }));
        var moved = await Client.CallAsync<Dictionary<string, int>>("Demo.Calc", "Move", [new { x = 1, y = 2 }]);
        Assert.Equal(2, moved!["x"]);
        Assert.Equal(42, await Client.CallAsync<int>("Demo.Calc", "SlowAdd", [40, 2]));
        Assert.Equal("hi", await Client.CallAsync<string>("Demo.Calc", "Echo", ["hi"]));
    }

    [Fact]
    public async Task Concurrent_calls_run_concurrently_and_all_answer()
    {
        var calls = Enumerable.Range(0, 40).Select(i => Client.CallAsync<int>("Demo.Calc", "SlowAdd", [i, 1])).ToArray();
        var results = await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(1, 40), results);
    }

    [Fact]
    public async Task Calls_that_block_their_thread_do_not_hold_up_the_calls_after_them()
    {
        // A call that arrives alone runs on the thread that read it (FrameLoop): one that blocks there must hand the
        // reading on, or every later frame would wait behind it. Three blockers, then calls that must all answer first.
        var blockers = Enumerable.Range(0, 3).Select(_ => Client.CallAsync<int>("Demo.Calc", "Block", [6000])).ToArray();
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(i + 1, await Client.CallAsync<int>("Demo.Calc", "Add", [i, 1]));
        }

        Assert.Equal(40, (await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Client.CallAsync<int>("Demo.Calc", "Add", [i, 0])))).Length);
        Assert.DoesNotContain(blockers, b => b.IsCompleted);
        var answered = await Task.WhenAll(blockers);
        Assert.Equal(new[] { 6000, 6000, 6000 }, answered);
    }

    [Fact]
    public async Task User_exceptions_come_back_as_RemoteException_with_type_stack_and_status()
    {
        var boom = await Assert.ThrowsAsync<RemoteException>(() => Client.CallAsync<object>("Demo.Calc", "Boom", ["bad state"]));
        Assert.Equal("System.InvalidOperationException", boom.RemoteType);
        Assert.Equal("bad state", boom.Error.Message);
        Assert.Contains("Demo.Calc.Boom", boom.RemoteStackTrace);
        Assert.Equal(500, boom.StatusCode);
        Assert.Equal("KT4033", boom.Code);
        Assert.Equal("pod-a", boom.Pod);
        Assert.Equal("v1", boom.Version);
        // As dotnet prints it (kt call prints it so): the pod's frames only, none of the invoker's or reflection's.
        var printed = RemoteErrorText.Format(boom.Error);
        Assert.StartsWith($"System.InvalidOperationException: bad state{Environment.NewLine}   at Demo.Calc.Boom(String message)", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("Kt.PodRuntime.", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("System.Reflection.", printed, StringComparison.Ordinal);
        Assert.EndsWith("--- on pod-a, version v1, request " + boom.RequestId + " (KT4033) ---", printed, StringComparison.Ordinal);

        var argument = await Assert.ThrowsAsync<RemoteException>(() => Client.CallAsync<int>("Demo.Calc", "Positive", [-1]));
        Assert.Equal(400, argument.StatusCode);
        Assert.Equal("System.ArgumentOutOfRangeException", argument.RemoteType);

        var notImplemented = await Assert.ThrowsAsync<RemoteException>(() => Client.CallAsync<int>("Demo.Calc", "NotYet"));
        Assert.Equal(501, notImplemented.StatusCode);

        var noType = await Assert.ThrowsAsync<RemoteException>(() => Client.CallAsync<int>("Demo.Nope", "Add", [1, 2]));
        Assert.Equal((404, "KT4030"), (noType.StatusCode, noType.Code));
        var noMethod = await Assert.ThrowsAsync<RemoteException>(() => Client.CallAsync<int>("Demo.Calc", "Nope"));
        Assert.Equal((404, "KT4031"), (noMethod.StatusCode, noMethod.Code));
        var badArgs = await Assert.ThrowsAsync<RemoteException>(() => Client.CallAsync<int>("Demo.Calc", "Add", ["x", "y"]));
        Assert.Equal((400, "KT4032"), (badArgs.StatusCode, badArgs.Code));
        var missing = await Assert.ThrowsAsync<RemoteException>(() => Client.CallAsync<int>("Demo.Calc", "Add", [1]));
        Assert.Equal(400, missing.StatusCode);
    }

    [Fact]
    public async Task A_timeout_cancels_the_call_and_answers_504()
    {
        var error = await Assert.ThrowsAsync<RemoteException>(() =>
            Client.CallAsync<string>("Demo.Calc", "Wait", [30_000], options: new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) }));
        Assert.Equal((504, "KT4037"), (error.StatusCode, error.Code));
    }

    [Fact]
    public async Task Call_output_is_streamed_to_the_caller_tagged_complete_and_without_duplicates()
    {
        var requestId = "req-" + Guid.NewGuid().ToString("N");
        var lines = new List<RemoteLogLine>();
        var result = await Client.CallAsync<int>("Demo.Calc", "Chatty", [50], options: new CallOptions { RequestId = requestId, OnLog = lines.Add });
        Assert.Equal(50, result);
        var stdout = lines.Where(l => l.Stream == "stdout").Select(l => l.Line).ToList();
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"line {i}"), stdout);
        Assert.Equal(["tail-without-newline"], lines.Where(l => l.Stream == "stderr").Select(l => l.Line));
        Assert.All(lines, l => Assert.Equal(requestId, l.RequestId));

        // The same lines, once each, from the log endpoint, ending with the request's end marker.
        var followed = new List<RemoteLogLine>();
        await foreach (var line in Client.FollowLogsAsync(requestId, follow: true))
        {
            followed.Add(line);
        }

        Assert.True(followed[^1].End);
        Assert.Equal(51, followed.Count(l => !l.End));
        Assert.Equal(stdout, followed.Where(l => l.Stream == "stdout").Select(l => l.Line));
    }

    [Fact]
    public async Task A_class_instance_is_created_once_from_its_init_arguments_and_keeps_state()
    {
        await Client.InitClassAsync("Demo.Counter", [10]);
        Assert.Equal(11, await Client.CallMethodAsync<int>("Demo.Counter", "Next"));
        Assert.Equal(12, await Client.CallMethodAsync<int>("Demo.Counter", "Next"));
    }

    [Fact]
    public async Task Every_endpoint_but_health_requires_the_bearer_token()
    {
        var raw = fixture.Runtime.Raw;
        using (var health = await raw.GetAsync(fixture.Runtime.Url("health")))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        foreach (var auth in new[] { null, "Bearer", "Bearer ", "Basic dGVzdA==", "Bearer wrong", "Bearer " + fixture.Runtime.Token + "x", "Bearer " + fixture.Runtime.Token[..^1] })
        {
            foreach (var (method, path) in new[] { ("GET", "ready"), ("GET", "metrics"), ("GET", "journal"), ("POST", "fn/Demo.Calc/Add"), ("POST", "sync/missing"), ("GET", "logs") })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), fixture.Runtime.Url(path));
                if (auth is not null)
                {
                    request.Headers.TryAddWithoutValidation("Authorization", auth);
                }

                using var response = await raw.SendAsync(request);
                Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
                var body = await response.Content.ReadAsStringAsync();
                Assert.Contains("KT4001", body);
                Assert.DoesNotContain(fixture.Runtime.Token, body);
            }
        }

        Assert.DoesNotContain(fixture.Runtime.Token, fixture.Runtime.Output);
    }

    [Fact]
    public async Task Request_id_is_honoured_and_generated()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Runtime.Url("fn/Demo.Calc/Add")) { Content = new StringContent("""{"args":[1,1]}""") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Runtime.Token);
        request.Headers.Add("X-Request-ID", "mine-123");
        using var response = await fixture.Runtime.Raw.SendAsync(request);
        Assert.Equal("mine-123", response.Headers.GetValues("X-Request-ID").Single());
        Assert.Equal("2", await response.Content.ReadAsStringAsync());

        using var second = new HttpRequestMessage(HttpMethod.Post, fixture.Runtime.Url("fn/Demo.Calc/Add")) { Content = new StringContent("""{"args":[1,1]}""") };
        second.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Runtime.Token);
        using var generated = await fixture.Runtime.Raw.SendAsync(second);
        Assert.Equal(32, generated.Headers.GetValues("X-Request-ID").Single().Length);
    }

    [Fact]
    public async Task Metrics_are_prometheus_text()
    {
        await Client.CallAsync<int>("Demo.Calc", "Add", [1, 2]);
        var metrics = await Client.GetMetricsAsync();
        foreach (var name in new[] { "kt_requests_total", "kt_calls_total", "kt_call_duration_seconds_sum", "kt_active_calls", "kt_last_activity_timestamp_seconds", "kt_reloads_total", "kt_sync_bytes_total" })
        {
            Assert.Contains($"# TYPE {name} ", metrics);
        }

        Assert.Matches(@"(?m)^kt_calls_total [1-9]", metrics);
    }

    [Fact]
    public async Task Ready_answers_per_version()
    {
        Assert.True(await Client.IsReadyAsync("v1"));
        Assert.False(await Client.IsReadyAsync("v-other"));
    }
}
