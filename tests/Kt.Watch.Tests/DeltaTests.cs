using System.Threading.Channels;
using Kt.Core;
using Kt.MSBuild.Tests;
using Kt.PodRuntime.Client;
using Kt.TestSupport;
using Kt.Workflows;

namespace Kt.Watch.Tests;

/// <summary>
/// <c>kt watch</c> (Debug, its default) on two real process pods: a method-body edit reaches every running worker as the
/// same IL delta — each pod's class instance keeps its state and runs the new body, a <c>[MetadataUpdateHandler]</c>
/// hears of it, both pods serve version X+1 — and
/// each rude edit (a static field added with an initializer, a changed static constructor) falls back to the whole
/// compile + reload with its reason in one line, then answers as a fresh build does; after that, deltas start again
/// from the reloaded code.
/// </summary>
[Collection(WatchCollection.Name)]
public sealed partial class DeltaTests : IClassFixture<PackedTaskFixture>
{
    private static readonly TimeSpan TurnTimeout = TimeSpan.FromMinutes(3);
    private readonly PackedTaskFixture _fixture;

    public DeltaTests(PackedTaskFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task A_body_edit_keeps_state_a_handler_sees_it_and_rude_edits_fall_back_with_their_reason()
    {
        var service = $"delta-{Guid.NewGuid():N}"[..20];
        // Two pods: every pod takes the same deltas, each keeps its own instance's state.
        var project = _fixture.CreateConsoleProject("DeltaApp", $"<KtService>{service}</KtService><KtReplicas>2</KtReplicas>", "");
        var counter = Path.Combine(project, "Counter.cs");
        var functions = Path.Combine(project, "Functions.cs");
        await File.WriteAllTextAsync(counter, CounterSource("one"));
        await File.WriteAllTextAsync(functions, FunctionsSource(greet: "\"hi\"", staticField: "", staticConstructor: ""));
        await File.WriteAllTextAsync(Path.Combine(project, "Updates.cs"), UpdatesSource);
        await File.WriteAllTextAsync(Path.Combine(project, "Pod.cs"), PodSource);

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
            Assert.True(first.Deployed, Context(lines));
            Assert.Equal(2, first.Pods.Count);
            foreach (var (pod, calls) in first.Pods.Zip([2, 1]))
            {
                using var client = new PodClient(pod.Address, pod.Token);
                await client.InitClassAsync("DeltaApp.Counter");
                for (var n = 1; n <= calls; n++)
                {
                    Assert.Equal($"one:{n}", await client.CallMethodAsync<string>("DeltaApp.Counter", "Next"));
                }
            }

            // Wait for the warm-up emit (the delta baseline) so that the first edit is a delta, as for a user who reads first.
            await session.WarmedUp;

            // A method body: applied in place; the instance keeps its count and runs the new body; the handler is told.
            await File.WriteAllTextAsync(counter, CounterSource("two"));
            var body = await NextAsync(turns);
            Assert.True(body.Deployed, string.Join('\n', body.Errors) + Context(lines));
            Assert.Equal("delta", body.Path);
            Assert.Equal(first.Version + "+1", body.Version);
            Assert.Equal(["DeltaApp.dll"], body.Emitted);
            Assert.Equal(2, body.Pods.Count);
            foreach (var (pod, count) in body.Pods.Zip([3, 2]))
            {
                using var client = new PodClient(pod.Address, pod.Token);
                Assert.Equal(body.Version, (await client.GetDeltaCapabilitiesAsync()).Version);
                Assert.Equal($"two:{count}", await client.CallMethodAsync<string>("DeltaApp.Counter", "Next"));
                Assert.Equal("1:Counter", await client.CallAsync<string>("DeltaApp.Updates", "Seen"));
            }

            // Truth after speed: the whole build behind the delta is emitted in the background, staged, and settled as the
            // pods' version on disk without touching their workers: the instance keeps its count, the label stays X+1.
            await session.EmittedBehindDeltas;
            foreach (var (pod, count) in body.Pods.Zip([4, 3]))
            {
                using var client = new PodClient(pod.Address, pod.Token);
                Assert.Equal($"two:{count}", await client.CallMethodAsync<string>("DeltaApp.Counter", "Next"));
                Assert.Equal(body.Version, (await client.GetReadyStateAsync()).Version); // kt status: X+1 (base X + 1 delta)
            }

            // A restarted worker loads the files on disk: dotnet build's bytes for the edited source, answering the edit.
            var build = ProcessRunner.Dotnet(project, ["build", "-c", "Debug", "-nologo"], Environment, TimeSpan.FromMinutes(4));
            Assert.True(build.ExitCode == 0, build.Output + build.Error);
            using (var restarted = new PodClient(body.Pods[0].Address, body.Pods[0].Token))
            {
                await Assert.ThrowsAnyAsync<Exception>(() => restarted.CallAsync<string>("DeltaApp.Pod", "Crash"));
                Assert.Equal("two:1", await restarted.CallMethodAsync<string>("DeltaApp.Counter", "Next")); // a fresh instance, the edited body
                var folder = await restarted.CallAsync<string>("DeltaApp.Pod", "Folder");
                Assert.DoesNotContain(first.Version, Path.GetFileName(Path.TrimEndingDirectorySeparator(folder!)), StringComparison.Ordinal);
                foreach (var file in new[] { "DeltaApp.dll", "DeltaApp.pdb" })
                {
                    Assert.True(File.ReadAllBytes(Path.Combine(project, "obj", "Debug", "net10.0", file)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(folder!, file))),
                        $"{file} in the pod's version folder {folder} differs from dotnet build's");
                }

                Assert.Equal(body.Version, (await restarted.GetReadyStateAsync()).Version);
            }

            // A static field with an initializer: a delta would leave it unset; the whole compile runs it.
            await File.WriteAllTextAsync(functions, FunctionsSource(greet: "\"hi\" + Suffix", staticField: "public static string Suffix = \"!\";", staticConstructor: ""));
            var field = await NextAsync(turns);
            Assert.True(field.Deployed, string.Join('\n', field.Errors) + Context(lines));
            Assert.Equal("compile", field.Path);
            Assert.Contains("a declaration changed", field.FallbackReason, StringComparison.Ordinal);
            Assert.Contains(Lines(lines), l => l.StartsWith("Functions.cs: a declaration changed", StringComparison.Ordinal) && l.EndsWith(": whole compile + reload", StringComparison.Ordinal));
            Assert.Equal("hi!", await CallGreetAsync(field));

            // Deltas start again from the reloaded code.
            await session.WarmedUp;
            await File.WriteAllTextAsync(functions, FunctionsSource(greet: "\"hello\" + Suffix", staticField: "public static string Suffix = \"!\";", staticConstructor: ""));
            var again = await NextAsync(turns);
            Assert.Equal("delta", again.Path);
            Assert.Equal(field.Version + "+1", again.Version);
            Assert.Equal("hello!", await CallGreetAsync(again));

            // A changed static constructor: it ran already, so only the whole compile + reload answers as a fresh build.
            await File.WriteAllTextAsync(functions, FunctionsSource(greet: "\"hello\" + Suffix", staticField: "public static string Suffix;", staticConstructor: "static Functions() { Suffix = \"?\"; }"));
            var added = await NextAsync(turns);
            Assert.Equal("compile", added.Path);
            Assert.Equal("hello?", await CallGreetAsync(added));
            await File.WriteAllTextAsync(functions, FunctionsSource(greet: "\"hello\" + Suffix", staticField: "public static string Suffix;", staticConstructor: "static Functions() { Suffix = \".\"; }"));
            var constructor = await NextAsync(turns);
            Assert.Equal("compile", constructor.Path);
            Assert.Contains("the static constructor of Functions changed", constructor.FallbackReason, StringComparison.Ordinal);
            Assert.Equal("hello.", await CallGreetAsync(constructor));
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            var definition = ProjectDefinitionFile.Read(Path.Combine(project, "obj", "Debug", "net10.0", "kt.definition.json"), WorkflowErrors.DefinitionUnreadable);
            await TeardownWorkflow.TeardownAsync(definition, WorkflowOutput.Silent, CancellationToken.None);
        }
    }

    private IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["NUGET_PACKAGES"] = _fixture.Combine("nuget-packages"),
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["UseSharedCompilation"] = "false",
    };

    internal static string CounterSource(string word) => $$"""
        namespace DeltaApp;

        public class Counter
        {
            private int _count;

            public string Next()
            {
                _count++;
                return "{{word}}:" + _count;
            }
        }
        """;

    internal static string FunctionsSource(string greet, string staticField, string staticConstructor) => $$"""
        namespace DeltaApp;

        public static class Functions
        {
            {{staticField}}

            {{staticConstructor}}

            public static string Greet() => {{greet}};
        }
        """;

    // Where the worker loaded the code from, and a way to make the worker process die (the pod restarts it).
    private const string PodSource = """
        namespace DeltaApp;

        public static class Pod
        {
            public static string Folder() => AppContext.BaseDirectory;

            public static void Crash() => Environment.Exit(3);
        }
        """;

    internal const string UpdatesSource = """
        [assembly: System.Reflection.Metadata.MetadataUpdateHandler(typeof(DeltaApp.Updates))]

        namespace DeltaApp;

        public static class Updates
        {
            private static int s_count;
            private static string s_types = "";

            public static string Seen() => s_count + ":" + s_types;

            internal static void UpdateApplication(Type[]? types)
            {
                s_count++;
                s_types = string.Join(",", (types ?? []).Select(t => t.Name).Order(StringComparer.Ordinal));
            }
        }
        """;

    private static PodClient Client(WatchIteration turn) => new(turn.Endpoint!, turn.Token!);

    internal static async Task<string?> CallGreetAsync(WatchIteration turn)
    {
        using var client = Client(turn);
        return await client.CallAsync<string>("DeltaApp.Functions", "Greet");
    }

    internal static List<string> Lines(List<string> lines)
    {
        lock (lines)
        {
            return [.. lines];
        }
    }

    internal static string Context(List<string> lines) => "\n" + string.Join('\n', Lines(lines));

    internal static async Task<WatchIteration> NextAsync(Channel<WatchIteration> turns)
    {
        using var timeout = new CancellationTokenSource(TurnTimeout);
        return await turns.Reader.ReadAsync(timeout.Token);
    }
}
