using System.Diagnostics;
using System.Threading.Channels;
using Kt.PodRuntime.Client;
using Kt.Watch;
using Kt.Workflows;

namespace Kt.DevLoopDemo;

/// <summary>The demo's kt watch: the watch runs here (as <c>kt watch</c> runs it), the demo edits and calls.</summary>
internal static class WatchDemo
{
    public static async Task<List<double>> RunAsync(KtProjectWorkspace workspace, IReadOnlyList<string> suffixes)
    {
        var turns = Channel.CreateUnbounded<WatchIteration>();
        var output = new WorkflowOutput(line => Console.WriteLine("   kt: " + line), _ => { });
        using var stop = new CancellationTokenSource();
        using var session = new WatchSession(new WatchOptions { ProjectFile = Path.Combine(workspace.ProjectDirectory, workspace.Name + ".csproj") },
            output, t => turns.Writer.TryWrite(t));
        var run = Task.Run(() => session.RunAsync(stop.Token));
        var times = new List<double>();
        try
        {
            var first = await NextAsync(turns);
            using var client = new PodClient(first.Endpoint!, first.Token!);
            foreach (var suffix in suffixes)
            {
                var clock = Stopwatch.StartNew();
                workspace.EditGreeting(suffix);
                var turn = await NextAsync(turns);
                var result = await client.CallAsync<string>($"{workspace.Name}.Functions", "Hello", ["world"]);
                clock.Stop();
                if (!turn.Deployed)
                {
                    throw new InvalidOperationException("kt watch did not deploy: " + string.Join('\n', turn.Errors));
                }

                Console.WriteLine($"   result: {result}");
                Console.WriteLine($"   edit → result: {clock.Elapsed.TotalMilliseconds:0} ms (kt watch)");
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await run;
            }
            catch (OperationCanceledException)
            {
            }
        }

        return times;
    }

    private static async Task<WatchIteration> NextAsync(Channel<WatchIteration> turns)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        return await turns.Reader.ReadAsync(timeout.Token);
    }
}
