using System.Diagnostics;
using System.Text.RegularExpressions;
using Kt.DevLoop.Backends;
using Kt.DevLoop.Tests;
using Kt.DevLoopDemo;
using Kt.FakeKubeApi;

// The dev loop, edit → result, on the process and docker backends, against a plain incremental `dotnet publish`
// of the same project measured in the same run. Writes artifacts/bench/devloop.json.
if (args.Length == 3 && args[0] == DeltaBench.CodegenOnly)
{
    await DeltaBench.CodegenCostAsync(args[1], int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

var outPath = Path.Combine("artifacts", "bench", "devloop.json");
string? packages = null, version = null;
var iterations = 5;
IReadOnlyList<int> sizes = [3, 50, 200, 500];
// Each part can run alone (--only part[,part…]); --deltas-only is the older spelling of --only edit-compile,codegen.
string[]? only = args.Contains("--deltas-only") ? [BenchParts.EditCompile, BenchParts.Codegen] : null;
for (var i = 0; i + 1 < args.Length; i++)
{
    switch (args[i])
    {
        case "--out": outPath = args[i + 1].EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? args[i + 1] : Path.Combine(args[i + 1], "devloop.json"); break;
        case "--packages": packages = args[i + 1]; break;
        case "--version": version = args[i + 1]; break;
        case "--iterations": iterations = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--sizes": sizes = [.. args[i + 1].Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))]; break;
        case "--only": only = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
    }
}

if (only?.FirstOrDefault(p => !BenchParts.All.Contains(p)) is { } unknown)
{
    Console.Error.WriteLine($"unknown part '{unknown}'; the parts: {string.Join(", ", BenchParts.All)}");
    return 2;
}

bool Runs(string part) => only is null || only.Contains(part);
if ((packages is null || version is null) && BenchParts.NeedPackages.Any(Runs))
{
    Console.Error.WriteLine("usage: --packages <folder> --version <package version> [--out <folder>] [--iterations N] [--only part,…] [--sizes 3,50,…]"
        + $" (./build.sh bench passes the first two; only {BenchParts.EditCompile} and {BenchParts.Codegen} run without them)");
    return 2;
}

var figures = new List<BenchFigure>();
if (Runs(BenchParts.EditCompile) || Runs(BenchParts.Codegen))
{
    // Issue 21: the compile side of a one-body edit by project size (whole Release emit vs Debug IL delta), and the
    // cost of the debuggable codegen deltas need on a CPU-bound call. Neither needs packages.
    var root = Directory.CreateTempSubdirectory("kt-delta-bench").FullName;
    try
    {
        if (Runs(BenchParts.EditCompile))
        {
            foreach (var size in await DeltaBench.EditCostBySizeAsync(root, sizes, iterations))
            {
                var (whole, delta) = (DeltaBench.Median(size.WholeEmit), DeltaBench.Median(size.Delta));
                figures.Add(Figure($"edit_compile_{size.Files}_files_whole_emit_p50", whole, "ms", null, "report (Release watch: whole assembly)", null));
                figures.Add(Figure($"edit_compile_{size.Files}_files_delta_p50", delta, "ms", whole, "report; ratio to the whole emit", null));
            }
        }

        if (Runs(BenchParts.Codegen))
        {
            var load = MachineLoad.OneMinute();
            var (debug, release) = await DeltaBench.CodegenCostAsync(root, rounds: iterations);
            figures.Add(Figures.Of("codegen_cpu_bound_call_debug", debug, "ms", release, "report (Debug / Release ratio of a CPU-bound call)", null,
                [load, MachineLoad.OneMinute()], "baseline = the same call compiled Release"));
        }
    }
    finally
    {
        Directory.Delete(root, recursive: true);
    }
}

if (BenchParts.WatchParts.Any(Runs))
{
    // Issue 21's end-to-end figures: kt watch as a user runs it (process backend), against dotnet watch where there is one.
    figures.AddRange(await BenchParts.RunWatchPartsAsync(Runs, packages!, version!, sizes, iterations));
}

if (Runs(BenchParts.Loop))
{
    using (var workspace = KtProjectWorkspace.Create(packages!, version!, "BenchLoop"))
    {
        workspace.Publish().EnsureSuccess("first deploy (process)");

        // Baseline: the same one-line edit, published without Kt, interleaved with the Kt runs (A/B), so that drift of
        // this machine during the run weighs on both alike.
        var process = await LoopAsync(workspace, ComputeBackends.Process, []);
        figures.Add(Figure("process_edit_to_result_p50", Median(process.Total), "ms", null, "report (Tilt 4.8 s; goal 2.4 s)", null));
        figures.Add(Figure("process_kt_share_p50", Share(process), "ms", Median(process.Plain), "<= 300 ms", Share(process) <= 300));
        figures.Add(Figure("process_deploy_inside_publish_p50", Median(process.Deploy), "ms", null, "report (Kt's own phases)", null));
        figures.Add(Figure("plain_incremental_publish_p50", Median(process.Plain), "ms", null, "baseline", null));
        figures.Add(Figure("process_edit_to_result_under_2400ms", Median(process.Total), "ms", 2400, "<= 2400 ms total", Median(process.Total) <= 2400));

        // One new setup step runs exactly one step; an unchanged publish runs none and sends nothing.
        workspace.AddSetupStep("<KtSetup Include=\"run\" Command=\"echo bench > bench.txt\" />");
        var added = workspace.Publish().EnsureSuccess("deploy with one more step");
        var stepsRun = Parse(added.Output, SetupSteps());
        figures.Add(Figure("added_step_runs", stepsRun, "steps", null, "== 1", stepsRun == 1));
        var unchanged = workspace.Publish().EnsureSuccess("deploy without change");
        var (noSteps, noBlobs) = (Parse(unchanged.Output, SetupSteps()), Parse(unchanged.Output, SyncedFiles()));
        figures.Add(Figure("unchanged_publish_steps_and_files_sent", noSteps + noBlobs, "count", null, "== 0", noSteps + noBlobs == 0));

        // kt watch on the same project: the one-line edit → the new result from a call, through the warm in-process
        // compile, against the plain incremental publish measured above in the same run.
        var watch = await WatchBench.EditToResultAsync(workspace, iterations, "process", []);
        var plainP50 = Median(process.Plain);
        figures.Add(Figure("watch_edit_to_result_p50", Median(watch.Total), "ms", plainP50, "<= 300 ms (stretch 150 ms); ratio to plain publish <= 0.15",
            Median(watch.Total) <= 300 && Median(watch.Total) / plainP50 <= 0.15));
        figures.Add(Figure("watch_first_edit", watch.FirstEdit, "ms", Median(watch.Total), "report (the first edit after the deploy and the warm-up; ratio to the later edits' p50)", null));
        figures.Add(Figure("watch_background_warm_up", watch.WarmUp, "ms", null, "report (the background emit after the deploy; an edit meanwhile waits for it)", null));
        figures.Add(Figure("watch_compile_p50", Median(watch.Compile), "ms", null, "report (warm compile + generators + emit + staging)", null));
        figures.Add(Figure("watch_deploy_p50", Median(watch.Deploy), "ms", null, "report (sync + switch, in-process)", null));
        var large = await WatchBench.LargeProjectCompileAsync(workspace.Root, files: 200, iterations);
        figures.Add(Figure("watch_compile_200_files_cold", large.Cold, "ms", null, "report (first compile of a generated 200-file project)", null));
        figures.Add(Figure("watch_compile_200_files_one_edit_p50", Median(large.Warm), "ms", null, "report (one file edited, warm)", null));

        // The test base has no ICU (docs/dev-loop.md): the template app runs there in invariant mode, as `dotnet App.dll` would need.
        string[] docker = ["-p:KtCompute=docker", "-p:KtBaseImage=kt-test/dotnet-deps:bookworm", "-p:InvariantGlobalization=true"];
        var dockerDeploy = File.Exists("/var/run/docker.sock") ? workspace.Publish(docker) : null;
        if (dockerDeploy is { ExitCode: not 0 })
        {
            // Reported, not fatal: the other backends' figures still come out.
            var reason = dockerDeploy.Output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Contains("error KT", StringComparison.Ordinal)) ?? "exit code " + dockerDeploy.ExitCode;
            Console.WriteLine($"  docker: the first deploy failed: {reason}");
            figures.Add(BenchFigure.NotMeasured("docker_watch_edit_to_result_p50", "ms", "<= 400 ms", "the first docker deploy failed: " + reason));
            using var failed = ComputeBackends.Create(ComputeBackends.Docker);
            await failed.TeardownAsync(workspace.Service);
        }
        else if (dockerDeploy is not null)
        {
            var dockerLoop = await LoopAsync(workspace, ComputeBackends.Docker, docker);
            figures.Add(Figure("docker_edit_to_result_p50", Median(dockerLoop.Total), "ms", null, "report", null));
            figures.Add(Figure("docker_kt_share_p50", Share(dockerLoop), "ms", Median(dockerLoop.Plain), "<= 600 ms", Share(dockerLoop) <= 600));
            figures.Add(Figure("docker_deploy_inside_publish_p50", Median(dockerLoop.Deploy), "ms", null, "report (Kt's own phases)", null));
            var dockerWatch = await WatchBench.EditToResultAsync(workspace, iterations, "docker", ["KtCompute=docker", "KtBaseImage=kt-test/dotnet-deps:bookworm", "InvariantGlobalization=true"]);
            figures.Add(Figure("docker_watch_edit_to_result_p50", Median(dockerWatch.Total), "ms", Median(dockerLoop.Plain), "<= 400 ms; ratio to the plain publish",
                Median(dockerWatch.Total) <= 400));
            figures.Add(Figure("docker_watch_deploy_p50", Median(dockerWatch.Deploy), "ms", null, "report (sync + switch, in-process)", null));
            using var backend = ComputeBackends.Create(ComputeBackends.Docker);
            await backend.TeardownAsync(workspace.Service);
        }
        else
        {
            figures.Add(BenchFigure.NotMeasured("docker_kt_share_p50", "ms", "<= 600 ms", "no Docker engine at /var/run/docker.sock"));
        }

        // Through the Kubernetes backend: the protocol-level fake API server the tests use, its pods real runtimes on
        // loopback behind its port-forward; the runtime image is pushed to the local registry once.
        try
        {
            await using var cluster = await FakeApiServer.StartAsync(new RuntimePodHost(Path.Combine(workspace.Root, "cluster-pods")));
            Environment.SetEnvironmentVariable("KUBECONFIG", cluster.WriteKubeconfig(Path.Combine(workspace.Root, "kubeconfig")));
            var kubernetes = await WatchBench.EditToResultAsync(workspace, iterations, "kubernetes",
            [
                "KtCompute=kubernetes", "KtBaseImage=127.0.0.1:5000/kt-test/dotnet-deps:bookworm", "ContainerRegistry=127.0.0.1:5000",
                $"ContainerRepository=kt-bench/watch-{Guid.NewGuid():N}"[..48],
            ]);
            figures.Add(Figure("kubernetes_watch_edit_to_result_p50", Median(kubernetes.Total), "ms", plainP50, "report; ratio to the plain publish", null));
            figures.Add(Figure("kubernetes_watch_deploy_p50", Median(kubernetes.Deploy), "ms", null, "report (sync + switch over the kept port-forward)", null));
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            figures.Add(BenchFigure.NotMeasured("kubernetes_watch_edit_to_result_p50", "ms", "report", e.Message.Split('\n')[0]));
        }
        finally
        {
            Environment.SetEnvironmentVariable("KUBECONFIG", null);
        }
    }
}

foreach (var line in BenchFigure.Table(figures))
{
    Console.WriteLine(line);
}

BenchFigure.WriteJson(outPath, figures);
Console.WriteLine($"\nwrote {outPath}");
return 0;

async Task<(List<double> Total, List<double> Plain, List<double> Deploy)> LoopAsync(KtProjectWorkspace workspace, string backend, string[] extra)
{
    var (totals, plains, deploys) = (new List<double>(), new List<double>(), new List<double>());
    for (var n = 0; n < iterations; n++)
    {
        workspace.EditGreeting($" plain {backend} {n}");
        plains.Add(workspace.Dotnet(["publish", .. extra]).EnsureSuccess("plain publish").Milliseconds);

        var expected = $" {backend} {n}";
        var clock = Stopwatch.StartNew();
        workspace.EditGreeting(expected);
        var publish = workspace.Publish(extra).EnsureSuccess($"deploy ({backend})");
        var result = await workspace.CallHelloAsync("bench", backend);
        clock.Stop();
        if (result is null || !result.EndsWith("!" + expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the {backend} pod answered '{result}', not the edited version ('{expected}')");
        }

        totals.Add(clock.Elapsed.TotalMilliseconds);
        deploys.Add(Parse(publish.Output, DeployTotal()));
        Console.WriteLine($"  {backend} {n}: plain publish {plains[^1]:0} ms, edit → result {totals[^1]:0} ms (deploy inside publish {deploys[^1]:0} ms)");
    }

    return (totals, plains, deploys);
}

// Kt's share: the median of the paired differences (each Kt run minus the plain publish just before it), which
// cancels most of this machine's drift; the difference of two medians does not.
static double Share((List<double> Total, List<double> Plain, List<double> Deploy) loop) =>
    Median(loop.Total.Zip(loop.Plain, (kt, plain) => kt - plain).ToList());

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static int Parse(string output, Regex pattern)
{
    var match = pattern.Match(output);
    return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : throw new InvalidOperationException($"'{pattern}' not in:\n{output}");
}

static BenchFigure Figure(string name, double value, string unit, double? baseline, string target, bool? pass) =>
    new(name, Math.Round(value, 1), unit, baseline is { } b ? Math.Round(b, 1) : null,
        baseline is { } bb && bb != 0 ? Math.Round(value / bb, 3) : null, target, pass, null);

static Regex DeployTotal() => new(@"· total (\d+) ms");

static Regex SetupSteps() => new(@"· setup (\d+) steps? ");

static Regex SyncedFiles() => new(@"· sync (\d+)/\d+ files");
