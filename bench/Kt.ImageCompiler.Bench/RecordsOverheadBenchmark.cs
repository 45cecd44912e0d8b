using System.Diagnostics;
using System.Globalization;
using Kt.ImageCompiler.Locking;
using Kt.ImageCompiler.Sbom;

namespace Kt.ImageCompiler.Bench;

/// <summary>
/// Figure 5: what the lockfile and the SBOM add to a freeze: building both from a finished freeze (reading the step
/// layers, the publish's deps.json and the nuspecs) against the warm freeze itself, medians of the same run.
/// </summary>
internal static class RecordsOverheadBenchmark
{
    public const string Name = "lockfile + SBOM on a warm freeze";
    private const int Runs = 7;

    public static async Task<BenchFigure> RunAsync(BenchContext context, SampleApp app, CancellationToken cancellationToken)
    {
        var images = new KtImages(app.Root, context.Folder("cache-records"), context.RegistryClient);
        await images.FreezeAsync(cancellationToken).ConfigureAwait(false); // fills the caches: every run below is warm

        var freezes = new List<double>();
        var records = new List<double>();
        var packageRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } root
            ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var components = 0;
        for (var run = 0; run < Runs; run++)
        {
            var clock = Stopwatch.StartNew();
            var frozen = await images.FreezeAsync(cancellationToken).ConfigureAwait(false);
            freezes.Add(clock.Elapsed.TotalMilliseconds);

            clock.Restart();
            var contents = await ImageLockBuilder.BuildAsync(frozen, cancellationToken).ConfigureAwait(false);
            _ = contents.ToJson();
            var nuget = NuGetPackages.Read(Path.Combine(app.Root, SampleApp.PublishFolder), SampleApp.EntryAssembly, packageRoot);
            var layers = frozen.Steps.Where(s => s.Layer is not null).ToDictionary(s => s.Key, s => s.Layer!.Digest);
            var sbom = CycloneDxSbom.Create("kt-bench/records", frozen.Image.ManifestDigest, contents, layers, nuget, packagesLayer: null);
            records.Add(clock.Elapsed.TotalMilliseconds);
            components = System.Text.Json.Nodes.JsonNode.Parse(sbom)!["components"]!.AsArray().Count;
        }

        var value = Median(records);
        var baseline = Median(freezes);
        var note = string.Create(CultureInfo.InvariantCulture,
            $"median of {Runs}: records {value:0.0} ms, warm freeze {baseline:0.0} ms; {components} SBOM components (file-only definition: no command layer to read)");
        return new BenchFigure(Name, Math.Round(value, 2), "ms", Math.Round(baseline, 2), Math.Round(value / baseline, 3), "report (small is better)", null, note);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
