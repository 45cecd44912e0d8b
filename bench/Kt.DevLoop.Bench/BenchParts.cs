/// <summary>
/// The parts of the dev-loop bench, each runnable alone (<c>--only part[,part…]</c>), and the runner of issue 21's
/// watch parts: each in a temporary folder with its own KT_HOME, and a part that fails is reported as not measured
/// (with its reason) instead of losing the other parts' figures.
/// </summary>
internal static class BenchParts
{
    public const string EditCompile = "edit-compile";
    public const string Codegen = "codegen";
    public const string Loop = "loop";

    public static readonly string[] WatchParts = [WatchVsDotnetWatchBench.Part, RudeEditBench.Part, StateKeptBench.Part, MixedGenerationBench.Part];

    public static readonly string[] All = [EditCompile, Codegen, .. WatchParts, Loop];

    public static readonly string[] NeedPackages = [.. WatchParts, Loop];

    public static async Task<List<BenchFigure>> RunWatchPartsAsync(Func<string, bool> runs, string packages, string version, IReadOnlyList<int> sizes, int iterations)
    {
        var figures = new List<BenchFigure>();
        if (runs(WatchVsDotnetWatchBench.Part))
        {
            figures.AddRange(await InFolderAsync(WatchVsDotnetWatchBench.Part, "watch_edit_to_answer_kt_p50",
                root => WatchVsDotnetWatchBench.RunAsync(root, packages, version, sizes, iterations)));
        }

        if (runs(RudeEditBench.Part))
        {
            figures.AddRange(await InFolderAsync(RudeEditBench.Part, "rude_edit_to_answer_p50", root => RudeEditBench.RunAsync(root, packages, version, iterations)));
        }

        if (runs(StateKeptBench.Part))
        {
            figures.AddRange(await InFolderAsync(StateKeptBench.Part, "state_kept_counter_after_10_edits", root => StateKeptBench.RunAsync(root, packages, version)));
        }

        if (runs(MixedGenerationBench.Part))
        {
            figures.AddRange(await InFolderAsync(MixedGenerationBench.Part, "mixed_generation_answers", root => MixedGenerationBench.RunAsync(root, packages, version)));
        }

        return figures;
    }

    private static async Task<List<BenchFigure>> InFolderAsync(string part, string figure, Func<string, Task<List<BenchFigure>>> run)
    {
        var root = Directory.CreateTempSubdirectory($"kt-bench-{part}-").FullName;
        var previousHome = Environment.GetEnvironmentVariable("KT_HOME");
        // What the part deploys is recorded (and found, and torn down) under its own KT_HOME; the watch's publishes inherit it.
        Environment.SetEnvironmentVariable("KT_HOME", Path.Combine(root, "kt-home"));
        Console.WriteLine($"{part}:");
        try
        {
            return await run(root);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or HttpRequestException)
        {
            Console.Error.WriteLine($"{part} failed: {e}");
            return [BenchFigure.NotMeasured(figure, "ms", "see the part", $"{part} failed: {e.Message.Split('\n')[0]}")];
        }
        finally
        {
            Environment.SetEnvironmentVariable("KT_HOME", previousHome);
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
                // A process that is going away may still hold a file; the folder is in the temp area.
            }
        }
    }
}
