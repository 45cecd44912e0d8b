using System.Diagnostics;
using System.Threading.Channels;
using Kt.DevLoopDemo;
using Kt.PodRuntime.Client;
using Kt.Watch;
using Kt.Workflows;

/// <summary>
/// kt watch measured from outside: the edit is written, the watch sees it, compiles in-process and deploys; the clock
/// stops when a call returns the edited result.
/// </summary>
internal static class WatchBench
{
    /// <summary>The watch's figures on one backend; <c>FirstEdit</c> is the first edit after the deploy, not in the others.</summary>
    internal sealed record WatchFigures(List<double> Total, List<double> Compile, List<double> Deploy, double FirstEdit, double WarmUp);

    /// <param name="properties">MSBuild properties of the watch's publish (the backend: <c>KtCompute=docker</c> …).</param>
    public static async Task<WatchFigures> EditToResultAsync(KtProjectWorkspace workspace, int iterations, string label, IReadOnlyList<string> properties)
    {
        var turns = Channel.CreateUnbounded<WatchIteration>();
        using var stop = new CancellationTokenSource();
        using var session = new WatchSession(new WatchOptions { ProjectFile = Path.Combine(workspace.ProjectDirectory, workspace.Name + ".csproj"), Properties = properties },
            WorkflowOutput.Silent, t => turns.Writer.TryWrite(t));
        var run = Task.Run(() => session.RunAsync(stop.Token));
        var (totals, compiles, deploys) = (new List<double>(), new List<double>(), new List<double>());
        var (firstEdit, warmUp) = (0.0, 0.0);
        try
        {
            var first = await NextAsync(turns);
            if (!first.Deployed)
            {
                throw new InvalidOperationException($"kt watch ({label}) did not deploy: {string.Join('\n', first.Errors)}");
            }

            using var client = new PodClient(first.Endpoint!, first.Token!);
            // The watch warms its compiler in the background right after the deploy; a user reads the result meanwhile,
            // the bench waits for it (and reports how long it took). The first edit after it is reported on its own,
            // the p50 is of the others.
            var warmUpClock = Stopwatch.StartNew();
            await session.WarmedUp;
            warmUp = warmUpClock.Elapsed.TotalMilliseconds;
            for (var n = -1; n < iterations; n++)
            {
                var expected = $" watch {label} {n}";
                var clock = Stopwatch.StartNew();
                workspace.EditGreeting(expected);
                var turn = await NextAsync(turns);
                var result = await client.CallAsync<string>($"{workspace.Name}.Functions", "Hello", ["bench"]);
                clock.Stop();
                if (!turn.Deployed || result is null || !result.EndsWith("!" + expected, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException($"kt watch served '{result}', not the edited version ('{expected}'): {string.Join('\n', turn.Errors)}");
                }

                if (n < 0)
                {
                    firstEdit = clock.Elapsed.TotalMilliseconds;
                    Console.WriteLine($"  watch {label} first edit (after the {warmUp:0} ms background warm-up): edit → result {firstEdit:0} ms (compile {turn.BuildMs:0} ms, deploy {turn.DeployMs:0} ms)");
                }
                else
                {
                    totals.Add(clock.Elapsed.TotalMilliseconds);
                    compiles.Add(turn.BuildMs);
                    deploys.Add(turn.DeployMs);
                    Console.WriteLine($"  watch {label} {n}: edit → result {totals[^1]:0} ms (compile {turn.BuildMs:0} ms, deploy {turn.DeployMs:0} ms, {turn.Path})");
                }
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

        return new WatchFigures(totals, compiles, deploys, firstEdit, warmUp);
    }

    /// <summary>A generated project of <paramref name="files"/> classes: the first compile, then one file edited at a time.</summary>
    public static async Task<(double Cold, List<double> Warm)> LargeProjectCompileAsync(string root, int files, int iterations)
    {
        var folder = Path.Combine(root, "large");
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "Large.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Library</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
            </Project>
            """);
        for (var i = 0; i < files; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, $"Type{i}.cs"), Source(i, 0));
        }

        var restore = Process.Start(new ProcessStartInfo("dotnet", ["restore", folder]) { RedirectStandardOutput = true })!;
        await restore.WaitForExitAsync();
        var inputs = await ProjectInputs.ReadAsync(Path.Combine(folder, "Large.csproj"), "Release", CancellationToken.None);
        var clock = Stopwatch.StartNew();
        var compiler = ProjectCompiler.Create(inputs);
        var cold = compiler.Emit(CancellationToken.None);
        var coldMs = clock.Elapsed.TotalMilliseconds;
        if (!cold.Success)
        {
            throw new InvalidOperationException(string.Join('\n', cold.Errors));
        }

        var warm = new List<double>();
        for (var n = 0; n < iterations; n++)
        {
            var file = Path.Combine(folder, $"Type{n % files}.cs");
            await File.WriteAllTextAsync(file, Source(n % files, n + 1));
            clock.Restart();
            compiler.Replace(file);
            var result = compiler.Emit(CancellationToken.None);
            warm.Add(clock.Elapsed.TotalMilliseconds);
            if (!result.Success)
            {
                throw new InvalidOperationException(string.Join('\n', result.Errors));
            }
        }

        Console.WriteLine($"  {files} files: cold compile {coldMs:0} ms, one-file edit {string.Join(", ", warm.Select(w => w.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        return (coldMs, warm);
    }

    private static string Source(int index, int version) => $$"""
        namespace Large;

        public sealed class Type{{index}}
        {
            public int Value { get; set; } = {{version}};

            public string Describe(int factor) => $"Type{{index}} {Value * factor} {string.Join(',', Enumerable.Range(0, factor).Select(i => i * {{index}}))}";

            public static Type{{index}} Create() => new() { Value = {{index}} };
        }
        """;

    private static async Task<WatchIteration> NextAsync(Channel<WatchIteration> turns)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        return await turns.Reader.ReadAsync(timeout.Token);
    }
}
