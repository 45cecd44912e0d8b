using System.Threading.Channels;
using Kt.Core;
using Kt.DevLoop.Tests;
using Kt.PodRuntime.Client;
using Kt.Workflows;

namespace Kt.Watch.Tests;

/// <summary>
/// IL deltas beyond local processes, as the user runs <c>kt watch</c>: two replicas on the docker backend, and two on
/// the Kubernetes backend through the real client against the protocol-level fake API server (its pods real runtimes,
/// every request — the delta's too — through its WebSocket port-forward). On each: a method-body edit reaches both
/// pods as the same delta, each pod's class instance keeps its count and runs the new body; a rude edit (a static field
/// with an initializer) falls back to the whole compile + reload and then answers as a fresh build does.
/// </summary>
public sealed partial class DeltaTests
{
    [Fact]
    public Task Docker_pods_take_a_body_edit_as_a_delta_with_state_kept_and_a_rude_edit_falls_back() =>
        // The test base has no ICU; the fixture's projects are invariant, as `dotnet App.dll` there would need.
        BodyEditThenRudeEditAsync("dkdelta", "<KtCompute>docker</KtCompute><KtBaseImage>kt-test/dotnet-deps:bookworm</KtBaseImage>");

    [Fact]
    public async Task Kubernetes_pods_take_a_body_edit_as_a_delta_through_the_port_forward_and_a_rude_edit_falls_back()
    {
        using var temp = new Kt.TestSupport.TempFolder("kt-watch-k8s");
        await using var cluster = await FakeKubernetesCluster.StartAsync(temp.Combine("cluster"));
        // kt finds the cluster as kubectl does: the process's KUBECONFIG (the watch tests run one at a time).
        System.Environment.SetEnvironmentVariable("KUBECONFIG", cluster.Kubeconfig);
        try
        {
            await BodyEditThenRudeEditAsync("k8delta",
                "<KtCompute>kubernetes</KtCompute><KtNamespace>dev</KtNamespace><KtBaseImage>127.0.0.1:5000/kt-test/dotnet-deps:bookworm</KtBaseImage>"
                + $"<ContainerRegistry>127.0.0.1:5000</ContainerRegistry><ContainerRepository>kt-test/watch-delta</ContainerRepository>",
                pods => Assert.All(pods, p => Assert.Equal("127.0.0.1", p.Address.Host))); // each pod through its own port-forward
            Assert.Equal(2, cluster.Server.PodsCreated.Count); // neither the delta nor the whole reload touched a pod
        }
        finally
        {
            System.Environment.SetEnvironmentVariable("KUBECONFIG", null);
        }
    }

    private async Task BodyEditThenRudeEditAsync(string prefix, string backend, Action<IReadOnlyList<PodEndpoint>>? checkPods = null)
    {
        var service = $"{prefix}-{Guid.NewGuid():N}"[..20];
        var project = _fixture.CreateConsoleProject("DeltaApp", $"<KtService>{service}</KtService><KtReplicas>2</KtReplicas>{backend}", "", under: prefix);
        var counter = Path.Combine(project, "Counter.cs");
        var functions = Path.Combine(project, "Functions.cs");
        await File.WriteAllTextAsync(counter, CounterSource("one"));
        await File.WriteAllTextAsync(functions, FunctionsSource(greet: "\"hi\"", staticField: "", staticConstructor: ""));

        var turns = Channel.CreateUnbounded<WatchIteration>();
        var lines = new List<string>();
        var output = new WorkflowOutput(line => { lock (lines) { lines.Add(line); } }, _ => { });
        using var stop = new CancellationTokenSource();
        using var session = new WatchSession(new WatchOptions { ProjectFile = Path.Combine(project, "DeltaApp.csproj"), Environment = Environment }, output,
            t => turns.Writer.TryWrite(t));
        var run = Task.Run(() => session.RunAsync(stop.Token));
        try
        {
            var first = await NextAsync(turns);
            Assert.True(first.Deployed, string.Join('\n', first.Errors) + Context(lines));
            Assert.Equal(2, first.Pods.Count);
            checkPods?.Invoke(first.Pods);
            foreach (var (pod, calls) in first.Pods.Zip([2, 1]))
            {
                using var client = new PodClient(pod.Address, pod.Token);
                await client.InitClassAsync("DeltaApp.Counter");
                for (var n = 1; n <= calls; n++)
                {
                    Assert.Equal($"one:{n}", await client.CallMethodAsync<string>("DeltaApp.Counter", "Next"));
                }
            }

            await session.WarmedUp;
            await File.WriteAllTextAsync(counter, CounterSource("two"));
            var body = await NextAsync(turns);
            Assert.True(body.Deployed, string.Join('\n', body.Errors) + Context(lines));
            Assert.Equal("delta", body.Path);
            Assert.Equal(first.Version + "+1", body.Version);
            foreach (var (pod, count) in body.Pods.Zip([3, 2]))
            {
                using var client = new PodClient(pod.Address, pod.Token);
                Assert.Equal(body.Version, (await client.GetDeltaCapabilitiesAsync()).Version);
                Assert.Equal($"two:{count}", await client.CallMethodAsync<string>("DeltaApp.Counter", "Next"));
            }

            // A rude edit: the initializer would never run under a delta; the whole compile + reload runs it.
            await session.EmittedBehindDeltas;
            await File.WriteAllTextAsync(functions, FunctionsSource(greet: "\"hi\" + Suffix", staticField: "public static string Suffix = \"!\";", staticConstructor: ""));
            var field = await NextAsync(turns);
            Assert.True(field.Deployed, string.Join('\n', field.Errors) + Context(lines));
            Assert.Equal("compile", field.Path);
            Assert.Contains("a declaration changed", field.FallbackReason, StringComparison.Ordinal);
            foreach (var pod in field.Pods)
            {
                using var client = new PodClient(pod.Address, pod.Token);
                Assert.Equal("hi!", await client.CallAsync<string>("DeltaApp.Functions", "Greet"));
                Assert.Equal("two:1", await client.CallMethodAsync<string>("DeltaApp.Counter", "Next")); // a reload: a fresh instance
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            var definition = ProjectDefinitionFile.Read(Path.Combine(project, "obj", "Debug", "net10.0", "kt.definition.json"), WorkflowErrors.DefinitionUnreadable);
            await TeardownWorkflow.TeardownAsync(definition, WorkflowOutput.Silent, CancellationToken.None);
        }
    }
}
