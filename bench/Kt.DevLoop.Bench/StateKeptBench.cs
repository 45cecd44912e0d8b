/// <summary>
/// State kept across deltas: a class instance on the pod (what <c>Remote.Cls</c> creates) counts its calls; ten
/// method-body edits later it still has its count, and every call ran the edited body.
/// </summary>
internal static class StateKeptBench
{
    public const string Part = "state-kept";
    private const int Edits = 10;
    private const string Ns = "StateApp";

    public static async Task<List<BenchFigure>> RunAsync(string root, string packages, string version)
    {
        GeneratedApp.WriteRoot(root, packages);
        var service = $"state-{Guid.NewGuid():N}"[..20];
        var project = GeneratedApp.WriteKtProject(root, Ns, files: 3, version, service, replicas: 1, GeneratedApp.Functions(Ns, "unused"));
        var counterFile = Path.Combine(Path.GetDirectoryName(project)!, "Counter.cs");
        File.WriteAllText(counterFile, Counter("w0"));
        await using var app = await KtWatchedApp.StartAsync(project, service);
        using var client = app.Client();
        await client.InitClassAsync($"{Ns}.Counter");
        var count = Count(await client.CallMethodAsync<string>($"{Ns}.Counter", "Next"));
        var samples = new List<EditSample>();
        for (var k = 1; k <= Edits; k++)
        {
            await app.QuietAsync();
            var (word, turns, load) = ($"w{k}", app.TurnCount, MachineLoad.OneMinute());
            // Peek reads without counting, so the polling leaves the count alone; only its word says the edit is served.
            var ms = await EditClock.TimeAsync(() => File.WriteAllText(counterFile, Counter(word)),
                async () => (await client.CallMethodAsync<string>($"{Ns}.Counter", "Peek"))?.Split(':')[0], word, "state-kept edit", app.LastErrors);
            await app.TurnAsync(turns, TimeSpan.FromMinutes(1));
            samples.Add(new EditSample(ms, load, app.TurnsSince(turns).Paths));
            var next = await client.CallMethodAsync<string>($"{Ns}.Counter", "Next");
            count = next?.StartsWith(word + ":", StringComparison.Ordinal) == true ? Count(next) : -1;
            Console.WriteLine($"  state kept, edit {k}: {ms:0} ms ({samples[^1].Paths}), Next() = {next}");
        }

        const int expected = Edits + 1;
        return
        [
            Figures.Of("state_kept_counter_after_10_edits", count, "count", expected, "== 11 (one call before the edits, one after each)", count == expected,
                samples.Select(s => s.Load), $"a class instance's counter across {Edits} method-body edits: {Figures.Paths(samples)}"),
            Figures.Of("state_kept_edit_to_answer_p50", Figures.P50(samples), "ms", null, "report", null, samples.Select(s => s.Load)),
        ];
    }

    private static int Count(string? answer) => answer?.Split(':') is [_, var n] && int.TryParse(n, out var count) ? count : -1;

    private static string Counter(string word) => $$"""
        namespace {{Ns}};

        public class Counter
        {
            private int _count;

            public string Next()
            {
                _count++;
                return "{{word}}:" + _count;
            }

            public string Peek()
            {
                return "{{word}}:" + _count;
            }
        }
        """;
}
