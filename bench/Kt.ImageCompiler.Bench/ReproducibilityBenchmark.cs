using System.Globalization;

namespace Kt.ImageCompiler.Bench;

/// <summary>
/// Figure 4: two clean freezes of the same file-only definition, from two project folders (a copy) with two empty
/// caches, must give the same manifest digest.
/// </summary>
internal static class ReproducibilityBenchmark
{
    public const string Name = "same manifest digest from two clean builds";

    public static async Task<BenchFigure> RunAsync(BenchContext context, SampleApp app, CancellationToken cancellationToken)
    {
        var copy = app.CopyTo(context.Folder("app-copy"), includePublishOutput: true);
        var first = await new KtImages(app.Root, context.Folder("cache-clean-1"), context.RegistryClient).FreezeAsync(cancellationToken).ConfigureAwait(false);
        var second = await new KtImages(copy.Root, context.Folder("cache-clean-2"), context.RegistryClient).FreezeAsync(cancellationToken).ConfigureAwait(false);
        var equal = first.Image.ManifestDigest == second.Image.ManifestDigest;
        var note = string.Create(CultureInfo.InvariantCulture,
            $"{first.Image.ManifestDigest} vs {second.Image.ManifestDigest} ({first.Image.Layers.Count} layers)");
        return new BenchFigure(Name, equal ? 1 : 0, "bool", 1, equal ? 1 : 0, "== 1 (equal)", equal, note);
    }
}
