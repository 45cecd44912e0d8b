using System.Diagnostics;
using Kt.Docker;
using Kt.ImageCompiler.Bench;
using Kt.Oci;

// Image compiler benchmarks: each figure against a baseline measured in the same run, printed as a table and written
// to <out>/image.json. A missed target is reported, not failed (exit 0); an unexpected error exits 1, a missing
// prerequisite (Docker engine, local registry, base image) exits 2.
var outFolder = ParseOut(args);
if (outFolder is null)
{
    Console.Error.WriteLine("usage: Kt.ImageCompiler.Bench --out <folder> [--only 1,2,3,4,5,6]");
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var figures = new List<BenchFigure>();
var clock = Stopwatch.StartNew();
using var context = new BenchContext();
try
{
    if (await Preflight.CheckAsync(context, cancellation.Token) is { } missing)
    {
        Console.Error.WriteLine($"[bench] cannot run: {missing}");
        return 2;
    }

    Log("creating and publishing the sample app");
    var app = SampleApp.Create(context.Folder("app"), context.NextMarker());
    await app.PublishAsync(cancellation.Token);

    var only = ParseOnly(args);
    bool Selected(int figure) => only is null || only.Contains(figure);
    if (Selected(1))
    {
        Log("1/6 rebuild after a code-only change: kt freeze vs docker build");
        figures.Add(await DevLoopBenchmark.RunAsync(context, app, cancellation.Token));
    }

    if (Selected(2))
    {
        Log("2/6 publish + push: kt vs the SDK's PublishContainer");
        figures.Add(await SdkComparisonBenchmark.RunAsync(context, app, cancellation.Token));
    }

    if (Selected(3))
    {
        Log("3/6 bytes pushed after a code-only change");
        figures.Add(await PushDeltaBenchmark.RunAsync(context, app, cancellation.Token));
    }

    if (Selected(4))
    {
        Log("4/6 reproducible digests from two checkout folders");
        figures.Add(await ReproducibilityBenchmark.RunAsync(context, app, cancellation.Token));
    }

    if (Selected(5))
    {
        Log("5/6 lockfile + SBOM overhead");
        figures.Add(await RecordsOverheadBenchmark.RunAsync(context, app, cancellation.Token));
    }

    if (Selected(6))
    {
        Log("6/6 three unchanged re-freezes in one folder");
        figures.Add(await RefreezeBenchmark.RunAsync(context, app, cancellation.Token));
    }
}
catch (Exception e)
{
    Console.Error.WriteLine($"[bench] failed: {e}");
    return 1;
}
finally
{
    if (figures.Count > 0)
    {
        BenchFigure.WriteJson(Path.Combine(outFolder, "image.json"), figures);
    }

    await context.CleanUpAsync();
}

Console.WriteLine();
foreach (var line in BenchFigure.Table(figures))
{
    Console.WriteLine(line);
}

Console.WriteLine($"\n[bench] {figures.Count} figures in {clock.Elapsed.TotalSeconds:0} s → {Path.Combine(outFolder, "image.json")}");
return 0;

void Log(string message) => Console.WriteLine($"[bench {clock.Elapsed.TotalSeconds,5:0.0}s] {message}");

// --only 4,5: a subset of the figures (numbers as logged), e.g. while working on one of them.
static HashSet<int>? ParseOnly(string[] arguments)
{
    var index = Array.IndexOf(arguments, "--only");
    return index >= 0 && index < arguments.Length - 1
        ? arguments[index + 1].Split(',').Select(n => int.Parse(n, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet()
        : null;
}

static string? ParseOut(string[] arguments)
{
    for (var i = 0; i < arguments.Length - 1; i++)
    {
        if (arguments[i] == "--out")
        {
            return Path.GetFullPath(arguments[i + 1]);
        }
    }

    return null;
}

/// <summary>Checks what the benchmark needs before it starts, so a missing piece is one clear line.</summary>
internal static class Preflight
{
    public static async Task<string?> CheckAsync(BenchContext context, CancellationToken cancellationToken)
    {
        try
        {
            using var engine = await DockerEngine.ConnectAsync(cancellationToken: cancellationToken);
            await engine.PingAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"no Docker engine ({e.Message})";
        }

        var baseImage = await CommandLine.RunAsync("docker", ["image", "inspect", "--format", "{{.Id}}", BenchContext.EngineBase], cancellationToken: cancellationToken);
        if (baseImage.ExitCode != 0)
        {
            return $"the engine lacks {BenchContext.EngineBase} (run .ci/setup)";
        }

        try
        {
            await context.RegistryClient.PingAsync(BenchContext.Registry, cancellationToken);
            await new RegistryImageSource(context.RegistryClient, ImageReference.Parse(BenchContext.RegistryBase), new BlobCache(context.Folder("cache-preflight")))
                .LoadAsync(cancellationToken: cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return $"the registry {BenchContext.Registry} or {BenchContext.RegistryBase} is not available ({e.Message}; run .ci/setup)";
        }

        return null;
    }
}
