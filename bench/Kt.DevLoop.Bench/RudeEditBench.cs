/// <summary>
/// Edits an IL delta cannot (or must not) carry, each timed edit → the new, correct answer (the one a fresh build
/// gives): a new C# file, a method signature change, a static field added with an initializer, a csproj change. The
/// kinds alternate within each round; each must take a whole path (not <c>delta</c>) and answer correctly.
/// </summary>
internal static class RudeEditBench
{
    public const string Part = "rude-edits";

    private sealed record Kind(string Name, Action<int> Edit, string Method, Func<int, string> Expected);

    public static async Task<List<BenchFigure>> RunAsync(string root, string packages, string version, int iterations)
    {
        GeneratedApp.WriteRoot(root, packages);
        const string ns = "RudeApp";
        var service = $"rude-{Guid.NewGuid():N}"[..20];
        var project = GeneratedApp.WriteKtProject(root, ns, files: 3, version, service, replicas: 1, Functions(ns, members: "", answer: "\"start\""));
        var folder = Path.GetDirectoryName(project)!;
        void WriteFunctions(string members, string answer) => File.WriteAllText(Path.Combine(folder, "Functions.cs"), Functions(ns, members, answer));
        Kind[] kinds =
        [
            new("new_file", n =>
            {
                // The new type first, then its first use: saved together, as an editor's "new class" and the edit that uses it.
                File.WriteAllText(Path.Combine(folder, $"Added{n}.cs"), $"namespace {ns};\n\npublic static class Added{n}\n{{\n    public static string Word() => \"new file {n}\";\n}}\n");
                WriteFunctions("", $"Added{n}.Word()");
            }, "Answer", n => $"new file {n}"),
            new("signature_change", n => WriteFunctions($"private static string Make({(n % 2 == 0 ? "int" : "long")} value) => \"signature \" + value;", $"Make({n})"),
                "Answer", n => $"signature {n}"),
            new("static_field_with_initializer", n => WriteFunctions($"public static string Word{n} = \"static field {n}\";", $"Word{n}"),
                "Answer", n => $"static field {n}"),
            new("csproj_change", n => File.WriteAllText(project, GeneratedApp.KtProject(version, service, 1, $"<AssemblyMetadata Include=\"Answer\" Value=\"csproj {n}\" />")),
                "Stamp", n => $"csproj {n}"),
        ];

        var samples = kinds.ToDictionary(k => k.Name, _ => new List<EditSample>());
        var reasons = new Dictionary<string, string>();
        await using var app = await KtWatchedApp.StartAsync(project, service);
        using var client = app.Client();
        var edit = 0;
        for (var round = 0; round < iterations; round++)
        {
            for (var i = 0; i < kinds.Length; i++)
            {
                var kind = kinds[(i + round) % kinds.Length];
                await app.QuietAsync();
                var (n, turns, load) = (++edit, app.TurnCount, MachineLoad.OneMinute());
                var ms = await EditClock.TimeAsync(() => kind.Edit(n), () => client.CallAsync<string>($"{ns}.Functions", kind.Method), kind.Expected(n),
                    $"rude edit {kind.Name}", app.LastErrors);
                await app.TurnAsync(turns, TimeSpan.FromMinutes(1));
                var (paths, reason) = app.TurnsSince(turns);
                if (reason is not null)
                {
                    reasons.TryAdd(kind.Name, reason);
                }

                samples[kind.Name].Add(new EditSample(ms, load, paths));
                Console.WriteLine($"  rude edit {kind.Name} {n}: edit → correct answer {ms:0} ms ({paths}{(reason is null ? "" : ": " + reason)})");
            }
        }

        return [.. kinds.Select(k => samples[k.Name]).Zip(kinds, (s, k) =>
        {
            // A whole path every time (the answer was checked by the clock): a delta here would be the wrong answer's risk.
            var whole = s.All(e => !e.Paths.Split('+').Contains("delta"));
            return Figures.Of($"rude_edit_{k.Name}_to_answer_p50", Figures.P50(s), "ms", null, "report; never a delta, answer as a fresh build", whole,
                s.Select(e => e.Load), $"{s.Count} edits: {Figures.Paths(s)}" + (reasons.TryGetValue(k.Name, out var reason) ? $"; the watch said '{reason}'" : ""));
        })];
    }

    // Answer() is what the C# kinds edit; Stamp() reads what the csproj stamps into the assembly and never changes.
    private static string Functions(string ns, string members, string answer) => $$"""
        using System.Reflection;

        namespace {{ns}};

        public static class Functions
        {
            {{members}}

            public static string Answer() => {{answer}};

            public static string Stamp() =>
                typeof(Functions).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "Answer")?.Value ?? "none";
        }
        """;
}
