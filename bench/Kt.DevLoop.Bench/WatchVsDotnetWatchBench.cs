using System.Globalization;

/// <summary>
/// Issue 21's headline: edit → new answer, <c>kt watch</c> (Debug, IL deltas, process backend) against
/// <c>dotnet watch</c> hot reload, on generated apps of the same size, in the same minutes. At each size both tools
/// run side by side; the first edit after each tool's start is timed on its own, then the edits alternate A/B (the
/// order flips every round) so that the machine's drift weighs on both alike. Before each timed edit the Kt watch's
/// background work (the warm-up emit, the whole compile behind a delta) is let finish, so neither tool's edit competes
/// with the other's leftovers.
/// </summary>
internal static class WatchVsDotnetWatchBench
{
    public const string Part = "watch-vs-dotnet-watch";

    public static async Task<List<BenchFigure>> RunAsync(string root, string packages, string version, IReadOnlyList<int> sizes, int iterations)
    {
        GeneratedApp.WriteRoot(root, packages);
        var figures = new List<BenchFigure>();
        foreach (var files in sizes)
        {
            figures.AddRange(await SizeAsync(root, version, files, iterations));
        }

        return figures;
    }

    private static async Task<List<BenchFigure>> SizeAsync(string root, string version, int files, int iterations)
    {
        var (ktName, dwName) = ($"KtSized{files}", $"DwSized{files}");
        var service = $"bench-{files}-{Guid.NewGuid():N}"[..20];
        var project = GeneratedApp.WriteKtProject(root, ktName, files, version, service, replicas: 1, GeneratedApp.Functions(ktName, "kt start"));
        var dwFolder = GeneratedApp.WriteDotnetWatchProject(root, dwName, files, GeneratedApp.Functions(dwName, "dw start"));
        var (kt, dw) = (new List<EditSample>(), new List<EditSample>());

        await using var ktApp = await KtWatchedApp.StartAsync(project, service);
        using var client = ktApp.Client();
        var ktFunctions = Path.Combine(Path.GetDirectoryName(project)!, "Functions.cs");
        Func<Task<string?>> askKt = () => client.CallAsync<string>($"{ktName}.Functions", "Answer");
        if (await askKt() != "kt start")
        {
            throw new InvalidOperationException($"the Kt app of {files} files does not answer 'kt start'");
        }

        var edit = 0;
        async Task<EditSample> KtEditAsync()
        {
            var (answer, turns, load) = ($"kt edit {++edit}", ktApp.TurnCount, MachineLoad.OneMinute());
            var ms = await EditClock.TimeAsync(() => File.WriteAllText(ktFunctions, GeneratedApp.Functions(ktName, answer)), askKt, answer,
                $"kt watch, {files} files", ktApp.LastErrors);
            await ktApp.TurnAsync(turns, TimeSpan.FromMinutes(1)); // the turn that served it is reported
            return new EditSample(ms, load, ktApp.TurnsSince(turns).Paths);
        }

        // The first edit right after the watch's start: it may meet the background warm-up, as a user's first edit may.
        var ktFirst = await KtEditAsync();
        Console.WriteLine($"  {files} files: kt watch first edit {ktFirst.Milliseconds:0} ms ({ktFirst.Paths})");

        await ktApp.QuietAsync();
        var dwFunctions = Path.Combine(dwFolder, "Functions.cs");
        await using var dwApp = await DotnetWatchedApp.StartAsync(dwFolder);
        async Task<EditSample> DwEditAsync()
        {
            await ktApp.QuietAsync();
            var (answer, load) = ($"dw edit {++edit}", MachineLoad.OneMinute());
            var ms = await EditClock.TimeAsync(() => File.WriteAllText(dwFunctions, GeneratedApp.Functions(dwName, answer)), dwApp.AskAsync, answer,
                $"dotnet watch, {files} files", dwApp.Output);
            return new EditSample(ms, load, "hot reload");
        }

        var dwFirst = await DwEditAsync();
        Console.WriteLine($"  {files} files: dotnet watch first edit {dwFirst.Milliseconds:0} ms");

        for (var round = 0; round < iterations; round++)
        {
            foreach (var ktFirstInRound in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                if (ktFirstInRound)
                {
                    await ktApp.QuietAsync();
                    kt.Add(await KtEditAsync());
                }
                else
                {
                    dw.Add(await DwEditAsync());
                }
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {files} files, round {round}: kt watch {kt[^1].Milliseconds:0} ms ({kt[^1].Paths}), dotnet watch {dw[^1].Milliseconds:0} ms"));
        }

        var (ktP50, dwP50) = (Figures.P50(kt), Figures.P50(dw));
        var name = $"watch_edit_to_answer_{files}_files";
        return
        [
            Figures.Of($"{name}_kt_p50", ktP50, "ms", dwP50, "<= 1.0x dotnet watch (ratio)", ktP50 <= dwP50, kt.Select(s => s.Load),
                $"kt watch, Debug, process backend, {kt.Count} edits: {Figures.Paths(kt)}; baseline = dotnet watch's p50 of the same rounds"),
            Figures.Of($"{name}_dotnet_watch_p50", dwP50, "ms", null, "baseline", null, dw.Select(s => s.Load), $"dotnet watch hot reload, {dw.Count} edits"),
            Figures.Of($"{name}_kt_first_edit", ktFirst.Milliseconds, "ms", dwFirst.Milliseconds, "report; ratio to dotnet watch's first edit", null,
                [ktFirst.Load], $"the first edit after kt watch's start ({ktFirst.Paths})"),
            Figures.Of($"{name}_dotnet_watch_first_edit", dwFirst.Milliseconds, "ms", null, "report", null, [dwFirst.Load], "the first edit after dotnet watch's start"),
        ];
    }
}
