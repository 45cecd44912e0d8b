using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using Kt.Watch;

/// <summary>
/// The compile side of an edit at project sizes of 3, 50, 200 and 500 files (issue 21): the whole-assembly emit of a
/// Release watch against the IL delta of a Debug watch, for the same one-method-body edit; and what the debuggable
/// codegen a delta needs costs a CPU-bound call against Release.
/// </summary>
internal static class DeltaBench
{
    /// <summary>The bench's own argument for the codegen measure in a child process: <c>--codegen-only ROOT ROUNDS</c>.</summary>
    public const string CodegenOnly = "--codegen-only";

    internal sealed record SizeFigures(int Files, List<double> WholeEmit, List<double> Delta);

    public static async Task<List<SizeFigures>> EditCostBySizeAsync(string root, IReadOnlyList<int> sizes, int iterations)
    {
        var figures = new List<SizeFigures>();
        foreach (var files in sizes)
        {
            var folder = await GenerateAsync(Path.Combine(root, $"sized-{files}"), files);
            var whole = await EditsAsync(folder, files, "Release", iterations, delta: false);
            var delta = await EditsAsync(folder, files, "Debug", iterations, delta: true);
            Console.WriteLine($"  {files} files: one body edit, whole emit (Release) p50 {Median(whole):0} ms, delta (Debug) p50 {Median(delta):0} ms");
            figures.Add(new SizeFigures(files, whole, delta));
        }

        return figures;
    }

    /// <summary>A CPU-bound method compiled Debug and Release, each run in this process; the ratio of their times (Debug / Release).</summary>
    /// <remarks>
    /// Measured in a process started as the pods start their workers (<c>DOTNET_MODIFIABLE_ASSEMBLIES=debug</c>): only
    /// there does the runtime keep a Debug assembly's code unoptimized (it must stay editable); elsewhere the JIT
    /// optimizes it as if it were Release, and the ratio would say nothing.
    /// </remarks>
    public static async Task<(double Debug, double Release)> CodegenCostAsync(string root, int rounds)
    {
        if (!System.Reflection.Metadata.MetadataUpdater.IsSupported)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true };
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            {
                start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            }

            foreach (var argument in new[] { CodegenOnly, root, rounds.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["DOTNET_MODIFIABLE_ASSEMBLIES"] = "debug";
            using var child = Process.Start(start)!;
            var text = await child.StandardOutput.ReadToEndAsync();
            await child.WaitForExitAsync();
            Console.Write(text);
            var figures = text.Split('\n').Last(l => l.StartsWith("codegen-figures ", StringComparison.Ordinal)).Split(' ');
            return (double.Parse(figures[1], CultureInfo.InvariantCulture), double.Parse(figures[2], CultureInfo.InvariantCulture));
        }

        var folder = Path.Combine(root, "codegen");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "Codegen.csproj"), Project);
        await File.WriteAllTextAsync(Path.Combine(folder, "Work.cs"), """
            namespace Codegen;

            public static class Work
            {
                // Loops, array bounds, arithmetic and calls: what a debuggable build leaves unoptimized.
                public static long Run(int n)
                {
                    var values = new long[1024];
                    long total = 0;
                    for (var round = 0; round < n; round++)
                    {
                        for (var i = 0; i < values.Length; i++)
                        {
                            values[i] = Mix(values[i] + i, round);
                            total += values[i] & 0xFF;
                        }
                    }

                    return total;
                }

                private static long Mix(long value, int round) => (value * 31 + round) ^ (value >> 3);
            }
            """);
        Restore(folder);
        var times = new Dictionary<string, double>();
        foreach (var configuration in new[] { "Debug", "Release" })
        {
            var inputs = await ProjectInputs.ReadAsync(Path.Combine(folder, "Codegen.csproj"), configuration, CancellationToken.None);
            var result = ProjectCompiler.Create(inputs).Emit(CancellationToken.None);
            var context = new AssemblyLoadContext($"codegen-{configuration}", isCollectible: true);
            var run = context.LoadFromStream(new MemoryStream(result.Assembly)).GetType("Codegen.Work")!.GetMethod("Run")!;
            run.Invoke(null, [50]); // jitted and through tiering's first calls
            var samples = new List<double>();
            for (var i = 0; i < rounds; i++)
            {
                var clock = Stopwatch.StartNew();
                run.Invoke(null, [2000]);
                samples.Add(clock.Elapsed.TotalMilliseconds);
            }

            times[configuration] = Median(samples);
            context.Unload();
        }

        Console.WriteLine($"  codegen: CPU-bound call Debug {times["Debug"]:0.0} ms, Release {times["Release"]:0.0} ms ({times["Debug"] / times["Release"]:0.00}x)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"codegen-figures {times["Debug"]} {times["Release"]}"));
        return (times["Debug"], times["Release"]);
    }

    private static async Task<List<double>> EditsAsync(string folder, int files, string configuration, int iterations, bool delta)
    {
        var inputs = await ProjectInputs.ReadAsync(Path.Combine(folder, "Sized.csproj"), configuration, CancellationToken.None);
        var compiler = ProjectCompiler.Create(inputs);
        var first = compiler.Emit(CancellationToken.None);
        if (!first.Success)
        {
            throw new InvalidOperationException(string.Join('\n', first.Errors));
        }

        compiler.BaselineOnLastEmit();
        var capabilities = new HashSet<string>(["Baseline", "AddMethodToExistingType", "NewTypeDefinition", "AddInstanceFieldToExistingType"], StringComparer.Ordinal);
        var samples = new List<double>();
        for (var n = 0; n < iterations; n++)
        {
            var index = n % files;
            var file = Path.Combine(folder, $"Type{index}.cs");
            await File.WriteAllTextAsync(file, Source(index, n + 1));
            var clock = Stopwatch.StartNew();
            compiler.Replace(file);
            if (delta)
            {
                var result = compiler.Delta(capabilities, CancellationToken.None);
                if (result.RudeReason is not null || result.Errors.Count > 0 || result.Methods == 0)
                {
                    throw new InvalidOperationException($"no delta: {result.RudeReason}{string.Join('\n', result.Errors)}");
                }

                samples.Add(clock.Elapsed.TotalMilliseconds);
                result.Commit();
            }
            else
            {
                var result = compiler.Emit(CancellationToken.None);
                samples.Add(clock.Elapsed.TotalMilliseconds);
                if (!result.Success)
                {
                    throw new InvalidOperationException(string.Join('\n', result.Errors));
                }
            }
        }

        // Back to the first text, for the next configuration.
        for (var n = 0; n < Math.Min(iterations, files); n++)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, $"Type{n}.cs"), Source(n, 0));
        }

        return samples;
    }

    private static async Task<string> GenerateAsync(string folder, int files)
    {
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "Sized.csproj"), Project);
        for (var i = 0; i < files; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, $"Type{i}.cs"), Source(i, 0));
        }

        Restore(folder);
        return folder;
    }

    private static void Restore(string folder)
    {
        using var restore = Process.Start(new ProcessStartInfo("dotnet", ["restore", folder]) { RedirectStandardOutput = true })!;
        restore.WaitForExit();
    }

    private const string Project = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup><OutputType>Library</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
        </Project>
        """;

    // Each file: a type whose method bodies an edit changes (version), with a few members of the usual kinds.
    private static string Source(int index, int version) => GeneratedApp.TypeSource("Sized", index, version);

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }
}
