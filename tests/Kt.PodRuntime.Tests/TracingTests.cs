using System.Diagnostics;
using Kt.OtlpReceiver;
using Kt.TestSupport;

namespace Kt.PodRuntime.Tests;

/// <summary>
/// Issue 23 point 3: a call is one trace from the client's span through the runtime's and the worker's to the user's
/// own spans, delivered to a real OTLP/HTTP receiver by the real exporters of a client process, the runtime and its
/// worker; a deploy's setup steps, sync and reload join the deploy's trace; the runtime's counters arrive as OTLP
/// metrics; and with no endpoint set none of the three processes loads any OpenTelemetry assembly.
/// </summary>
public sealed class TracingTests
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);

    private static Dictionary<string, string> Otlp(OtlpHttpReceiver receiver) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        // Short batch and collection periods (standard variables), so that the test waits for deliveries, not for defaults.
        ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
    };

    [Fact]
    public async Task A_call_is_one_trace_from_the_client_through_runtime_and_worker_to_the_users_own_spans()
    {
        await using var receiver = await OtlpHttpReceiver.StartAsync();
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), Otlp(receiver));
        var app = temp.Sub("app");
        UserCode.Write(app, "Hello");
        await runtime.Client.SyncAsync(app, "v1");

        var (exit, output) = await ClientProgram.RunAsync(new Uri($"http://127.0.0.1:{runtime.Port}/"), runtime.Token, "Demo.Calc", "Traced", "traced-call", Otlp(receiver));
        Assert.True(exit == 0, output);
        Assert.Contains("result=traced-call", output, StringComparison.Ordinal);
        Assert.Contains("opentelemetry=OpenTelemetry", output, StringComparison.Ordinal); // the client did export

        var trace = await receiver.WaitAsync(r =>
        {
            var client = r.Spans.FirstOrDefault(s => s.Scope == "Kt.Client" && s.Name == "call Demo.Calc.Traced");
            var spans = client is null ? [] : r.Spans.Where(s => s.TraceId == client.TraceId).ToList();
            return spans.Any(s => s.Scope == "Demo.Own") && spans.Any(s => s.Scope == "Kt.Worker") && spans.Any(s => s.Scope == "Kt.PodRuntime") ? spans : null;
        }, Delivery);

        var clientSpan = trace.Single(s => s.Scope == "Kt.Client");
        var serverSpan = trace.Single(s => s.Scope == "Kt.PodRuntime");
        var workerSpan = trace.Single(s => s.Scope == "Kt.Worker");
        var userSpan = trace.Single(s => s.Scope == "Demo.Own");
        Assert.Equal(ReceivedSpan.Client, clientSpan.Kind);
        Assert.Equal("", clientSpan.ParentSpanId); // the client's span is the trace's root here (the program has no span of its own)
        Assert.Equal(ReceivedSpan.Server, serverSpan.Kind);
        Assert.Equal("call Demo.Calc.Traced", serverSpan.Name);
        Assert.Equal(clientSpan.SpanId, serverSpan.ParentSpanId);
        Assert.Equal("run Demo.Calc.Traced", workerSpan.Name);
        Assert.Equal(serverSpan.SpanId, workerSpan.ParentSpanId);
        Assert.Equal("demo work", userSpan.Name);
        Assert.Equal("traced-call", userSpan.Attributes["demo.text"]);
        Assert.Equal(workerSpan.SpanId, userSpan.ParentSpanId);
        Assert.Equal("test", serverSpan.ServiceName); // the pod's service
        Assert.Equal("pod-a", workerSpan.Resource["kt.pod"]);
        Assert.Equal(serverSpan.Attributes["kt.request_id"], workerSpan.Attributes["kt.request_id"]);

        // The line the user's code printed inside its span is a log record of that span.
        var line = await receiver.WaitAsync(r => r.Logs.FirstOrDefault(l => l.Body == "tracing traced-call"), Delivery);
        Assert.Equal(userSpan.TraceId, line.TraceId);
        Assert.Equal(userSpan.SpanId, line.SpanId);
        Assert.Equal("stdout", line.Attributes["kt.stream"]);

        // The runtime's counters as OTLP metrics, the same instruments /metrics renders.
        var calls = await receiver.WaitAsync(r => r.Metrics.FirstOrDefault(m => m.Name == "kt.calls" && m.Scope == "Kt.PodRuntime"), Delivery);
        Assert.Equal("test", calls.Resource["service.name"]);
        Assert.Matches(@"(?m)^kt_calls_total [1-9]", await runtime.Client.GetMetricsAsync());
    }

    [Fact]
    public async Task A_failed_call_marks_the_runtime_and_worker_spans_failed()
    {
        await using var receiver = await OtlpHttpReceiver.StartAsync();
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), Otlp(receiver));
        var app = temp.Sub("app");
        UserCode.Write(app, "Hello");
        await runtime.Client.SyncAsync(app, "v1");

        var (exit, output) = await ClientProgram.RunAsync(new Uri($"http://127.0.0.1:{runtime.Port}/"), runtime.Token, "Demo.Calc", "Boom", "it broke", Otlp(receiver));
        Assert.NotEqual(0, exit); // the program does not catch: the RemoteException ends it
        Assert.Contains("it broke", output, StringComparison.Ordinal);

        var spans = await receiver.WaitAsync(r =>
        {
            var worker = r.Spans.FirstOrDefault(s => s.Scope == "Kt.Worker" && s.Name == "run Demo.Calc.Boom");
            var server = worker is null ? null : r.Spans.FirstOrDefault(s => s.SpanId == worker.ParentSpanId);
            return server is null ? null : new[] { server, worker! };
        }, Delivery);
        Assert.All(spans, s => Assert.Equal(ReceivedSpan.Error, s.StatusCode));
        Assert.Equal("it broke", spans[1].StatusMessage);
    }

    [Fact]
    public async Task A_deploys_setup_steps_sync_and_reload_are_spans_of_the_deploys_trace()
    {
        await using var receiver = await OtlpHttpReceiver.StartAsync();
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), Otlp(receiver));
        var app = temp.Sub("app");
        UserCode.Write(app, "Hello");
        var step = new LiveStep { Key = "a".PadRight(64, '0'), Kind = "run", Description = "echo set-up", Shell = "echo set-up", Environment = new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" } };

        // The deploying side's span (as Kt's deploy makes one): the client puts its context on every request it sends.
        // Sampled, as a deploy's span is when its process exports (an unsampled parent's children are dropped, rightly).
        using (var deploy = new Activity("deploy").SetIdFormat(ActivityIdFormat.W3C))
        {
            deploy.ActivityTraceFlags = ActivityTraceFlags.Recorded;
            deploy.Start();
            await runtime.Client.ApplyPlanAsync(new LivePlan { Steps = [step] });
            await runtime.Client.SyncAsync(app, "v1");
            deploy.Stop();

            var spans = await receiver.WaitAsync(r =>
            {
                var ofDeploy = r.Spans.Where(s => s.TraceId == deploy.TraceId.ToHexString()).ToList();
                // A parent ends (and is exported) after its children: wait for the request spans as well.
                var reload = ofDeploy.FirstOrDefault(s => s.Name == "reload worker");
                return reload is not null && ofDeploy.Any(s => s.SpanId == reload.ParentSpanId)
                    && ofDeploy.Any(s => s.Name == "POST /setup/plan") && ofDeploy.Any(s => s.Name.StartsWith("setup ", StringComparison.Ordinal)) ? ofDeploy : null;
            }, Delivery);

            var names = string.Join("; ", spans.Select(s => $"{s.Name} {s.SpanId}<-{s.ParentSpanId}"));
            var plan = spans.SingleOrDefault(s => s.Name == "POST /setup/plan") ?? throw new Xunit.Sdk.XunitException("no plan span among: " + names);
            Assert.Equal(deploy.SpanId.ToHexString(), plan.ParentSpanId);
            var setupStep = spans.Single(s => s.Name == "setup " + step.Key);
            Assert.Equal(plan.SpanId, setupStep.ParentSpanId);
            Assert.Equal("run", setupStep.Attributes["kt.step.kind"]);
            var reload = spans.Single(s => s.Name == "reload worker");
            var activation = spans.Single(s => s.SpanId == reload.ParentSpanId);
            Assert.StartsWith("POST /sync/", activation.Name, StringComparison.Ordinal);
            Assert.Equal(deploy.SpanId.ToHexString(), activation.ParentSpanId);
            Assert.Contains(spans, s => s.Name == "assemble version" && s.ParentSpanId == activation.SpanId);
        }
    }

    [Fact]
    public async Task With_no_endpoint_set_no_OpenTelemetry_assembly_is_loaded_in_client_runtime_or_worker()
    {
        using var temp = new TempRoot();
        // The same check with an endpoint set proves it sees a loaded SDK (the receiver need not exist for that).
        await using var traced = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "traced"), new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        });
        var untracedEnvironment = Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("OTEL_", StringComparison.Ordinal)).ToDictionary(k => k, _ => "");
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), untracedEnvironment);
        var app = temp.Sub("app");
        UserCode.Write(app, "Hello");
        await traced.Client.SyncAsync(app, "v1");
        await runtime.Client.SyncAsync(app, "v1");

        var (exit, output) = await ClientProgram.RunAsync(new Uri($"http://127.0.0.1:{runtime.Port}/"), runtime.Token, "Demo.Calc", "Traced", "plain", new Dictionary<string, string>());
        Assert.True(exit == 0, output);
        Assert.Contains("result=plain", output, StringComparison.Ordinal);
        Assert.Contains("opentelemetry=" + Environment.NewLine, output, StringComparison.Ordinal);

        var worker = await runtime.Client.CallAsync<int>("Demo.Calc", "Pid");
        Assert.False(MapsOpenTelemetry(runtime.ProcessId), "the runtime loaded OpenTelemetry with no endpoint set");
        Assert.False(MapsOpenTelemetry(worker), "the worker loaded OpenTelemetry with no endpoint set");

        var tracedWorker = await traced.Client.CallAsync<int>("Demo.Calc", "Pid");
        Assert.True(MapsOpenTelemetry(traced.ProcessId), "with an endpoint set the runtime has the SDK loaded");
        Assert.True(MapsOpenTelemetry(tracedWorker), "with an endpoint set the worker has the SDK loaded");
    }

    // A loaded assembly is a mapped file of the process: /proc/<pid>/maps names it.
    private static bool MapsOpenTelemetry(int pid) =>
        File.ReadLines($"/proc/{pid}/maps").Any(line => line.Contains("/OpenTelemetry", StringComparison.Ordinal));
}
