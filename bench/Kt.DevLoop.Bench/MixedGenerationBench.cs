using System.Diagnostics;

/// <summary>
/// No call sees a mix of two generations: two pods serve calls without pause while 20 edits each change two methods
/// together (both return the edit's number) and one call returns both. An answer whose two numbers differ ran part
/// of its code from one version and part from another.
/// </summary>
internal static class MixedGenerationBench
{
    public const string Part = "mixed-generations";
    private const int Edits = 20;
    private const int Calls = 1000;
    private const string Ns = "MixedApp";

    public static async Task<List<BenchFigure>> RunAsync(string root, string packages, string version)
    {
        GeneratedApp.WriteRoot(root, packages);
        var service = $"mixed-{Guid.NewGuid():N}"[..20];
        var project = GeneratedApp.WriteKtProject(root, Ns, files: 3, version, service, replicas: 2, GeneratedApp.Functions(Ns, "unused"));
        var pairFile = Path.Combine(Path.GetDirectoryName(project)!, "Pair.cs");
        File.WriteAllText(pairFile, Pair(0));
        await using var app = await KtWatchedApp.StartAsync(project, service);
        if (app.Pods.Count != 2)
        {
            throw new InvalidOperationException($"KtReplicas=2 gave {app.Pods.Count} pods");
        }

        await app.QuietAsync(); // the first edit is then a delta, as the later ones
        var clients = app.Pods.Select(p => new Kt.PodRuntime.Client.PodClient(p.Address, p.Token)).ToArray();
        var latest = new int[clients.Length]; // the newest generation each pod answered
        var (calls, mixed, failed) = (0, 0, 0);
        string? firstMixed = null, firstFailure = null;
        using var stop = new CancellationTokenSource();
        var editsDone = false;

        // Two callers per pod, calling without pause until the edits are done and at least 1,000 calls were made.
        var callers = Enumerable.Range(0, clients.Length * 2).Select(i => Task.Run(async () =>
        {
            var rank = i % clients.Length;
            while (!(Volatile.Read(ref editsDone) && Volatile.Read(ref calls) >= Calls))
            {
                try
                {
                    var answer = await clients[rank].CallAsync<string>($"{Ns}.Pair", "Both");
                    Interlocked.Increment(ref calls);
                    if (answer?.Split(':') is [var a, var b] && int.TryParse(a, out var first) && int.TryParse(b, out var second))
                    {
                        if (first != second)
                        {
                            Interlocked.Increment(ref mixed);
                            Interlocked.CompareExchange(ref firstMixed, $"pod {rank} answered '{answer}'", null);
                        }
                        else
                        {
                            InterlockedMax(ref latest[rank], first);
                        }
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                        Interlocked.CompareExchange(ref firstFailure, $"pod {rank} answered '{answer}'", null);
                    }
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    Interlocked.Increment(ref calls);
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstFailure, $"pod {rank}: {e.GetType().Name}: {e.Message.Split('\n')[0]}", null);
                }
            }
        })).ToList();

        var (loads, turnsBefore, callsDuringEdits) = (new List<double>(), app.TurnCount, 0);
        try
        {
            for (var k = 1; k <= Edits; k++)
            {
                loads.Add(MachineLoad.OneMinute());
                File.WriteAllText(pairFile, Pair(k));
                // The next edit once every pod has answered this one (the callers see it), as a user saves after a look.
                var clock = Stopwatch.StartNew();
                while (Enumerable.Range(0, latest.Length).Any(r => Volatile.Read(ref latest[r]) < k))
                {
                    if (clock.Elapsed > TimeSpan.FromMinutes(3) || callers.Any(c => c.IsFaulted))
                    {
                        throw new TimeoutException($"edit {k} was not served by both pods within 3 min (pods at {string.Join(", ", latest)}; {firstFailure})\n{app.LastErrors()}");
                    }

                    await Task.Delay(5);
                }
            }

            callsDuringEdits = Volatile.Read(ref calls);
        }
        finally
        {
            Volatile.Write(ref editsDone, true);
            await Task.WhenAll(callers);
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }

        var paths = app.TurnsSince(turnsBefore).Paths;
        Console.WriteLine($"  mixed generations: {calls} calls ({callsDuringEdits} during the {Edits} edits), {mixed} mixed, {failed} failed");
        var note = $"{calls} calls on 2 pods, {callsDuringEdits} of them during {Edits} edits of two methods each (watch paths: {Figures.Paths([new EditSample(0, double.NaN, paths)])})";
        return
        [
            Figures.Of("mixed_generation_answers", mixed, "answers", null, "== 0 (of >= 1000 calls)", mixed == 0 && calls >= Calls, loads,
                note + (firstMixed is null ? "" : "; first: " + firstMixed)),
            Figures.Of("mixed_generation_failed_calls", failed, "calls", null, "== 0", failed == 0, loads, firstFailure),
        ];
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static string Pair(int generation) => $$"""
        namespace {{Ns}};

        public static class Pair
        {
            public static string First() => "{{generation}}";

            public static string Second() => "{{generation}}";

            // Both halves in one call, a little work between them: a version switched mid-call would show as two numbers.
            public static string Both()
            {
                var first = First();
                Thread.Sleep(1);
                var second = Second();
                return first + ":" + second;
            }
        }
        """;
}
