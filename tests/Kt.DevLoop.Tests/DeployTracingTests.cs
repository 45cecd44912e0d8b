using System.Collections.Concurrent;
using System.Diagnostics;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.OtlpReceiver;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// Issue 23 point 3, the deploy's side: a deploy is one trace — its span, a span per phase, and the pods' spans of its
/// setup steps, the version's assembly and the worker's reload under the phase that asked for them — with the pods
/// exporting to the service's OTLP endpoint (ServiceSpec.OtlpEndpoint, what KtOtlpEndpoint sets), received by a real
/// OTLP/HTTP receiver. The deploying side's spans are read here with an ActivityListener on Kt's deploy source (this
/// test process exports nothing itself).
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class DeployTracingTests(DevLoopFixture fixture)
{
    [Fact]
    public async Task A_deploy_is_one_trace_with_its_phases_and_the_pods_setup_sync_and_reload_spans()
    {
        await using var receiver = await OtlpHttpReceiver.StartAsync();
        using var temp = new TempFolder();
        var code = fixture.CreateCodeFolder(temp, "traced");
        var service = ProcessBackendTests.Unique("traced");
        var deploySpans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Kt.Deploy",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = deploySpans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        using var backend = new ProcessBackend();
        var deployer = new ServiceDeployer(backend);
        var request = ProcessBackendTests.Request(service, Image.From("debian:bookworm").Run("echo traced-step"), temp.Path, code);
        request = request with { Service = request.Service with { OtlpEndpoint = receiver.Endpoint, OtlpProtocol = "http/protobuf" } };
        try
        {
            await deployer.DeployAsync(request);

            var deploy = deploySpans.Single(a => a.DisplayName == "deploy " + service);
            var phases = deploySpans.Where(a => a.TraceId == deploy.TraceId && a.ParentSpanId == deploy.SpanId).ToDictionary(a => a.DisplayName, a => a.SpanId.ToHexString());
            Assert.Equal(["pods", "ready", "setup", "sync"], phases.Keys.Order(StringComparer.Ordinal));

            var traceId = deploy.TraceId.ToHexString();
            var spans = await receiver.WaitAsync(r =>
            {
                var ofDeploy = r.Spans.Where(s => s.TraceId == traceId).ToList();
                var reload = ofDeploy.FirstOrDefault(s => s.Name == "reload worker");
                var step = ofDeploy.FirstOrDefault(s => s.Name.StartsWith("setup ", StringComparison.Ordinal));
                return reload is not null && step is not null && ofDeploy.Any(s => s.SpanId == reload.ParentSpanId) && ofDeploy.Any(s => s.SpanId == step.ParentSpanId) ? ofDeploy : null;
            }, TimeSpan.FromSeconds(30));

            var setupStep = spans.Single(s => s.Name.StartsWith("setup ", StringComparison.Ordinal));
            Assert.Equal("run echo traced-step", setupStep.Attributes["kt.step.description"]);
            var plan = spans.Single(s => s.SpanId == setupStep.ParentSpanId);
            Assert.Equal("POST /setup/plan", plan.Name);
            Assert.Equal(phases["setup"], plan.ParentSpanId);
            var reloadSpan = spans.Single(s => s.Name == "reload worker");
            var activation = spans.Single(s => s.SpanId == reloadSpan.ParentSpanId);
            Assert.StartsWith("POST /sync/", activation.Name, StringComparison.Ordinal);
            Assert.Equal(phases["sync"], activation.ParentSpanId);
            Assert.Equal(service, activation.ServiceName);
        }
        finally
        {
            await backend.TeardownAsync(service);
        }
    }
}
