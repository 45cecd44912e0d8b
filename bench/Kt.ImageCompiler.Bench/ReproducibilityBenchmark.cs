using System.Globalization;
using System.Text.RegularExpressions;

namespace Kt.ImageCompiler.Bench;

/// <summary>
/// Figure 4: the same commit checked out in two folders (different depths and names), each compiled and frozen by
/// <c>dotnet publish -p:KtFreeze=true</c> with an empty layer cache, must give one manifest digest. Baseline, same run:
/// the same two folders published plainly (the compiler embeds the checkout path) and frozen alike.
/// </summary>
internal static partial class ReproducibilityBenchmark
{
    public const string Name = "distinct digests from two checkout folders (KtFreeze)";

    public static async Task<BenchFigure> RunAsync(BenchContext context, SampleApp app, CancellationToken cancellationToken)
    {
        var repository = RepositoryRoot();
        var tasks = TasksAssembly(repository);
        if (tasks is null)
        {
            return BenchFigure.NotMeasured(Name, "digests", "== 1", "src/Kt.MSBuild is not built (dotnet build bench/Kt.ImageCompiler.Bench builds it)");
        }

        var checkouts = new[] { "laptop/src/app", "ci/_work/1/s/a-longer-checkout-name" };
        var frozen = new List<string>();
        var plain = new List<string>();
        foreach (var (folder, i) in checkouts.Select((f, i) => (f, i)))
        {
            var checkout = app.CopyTo(context.Folder(folder), includePublishOutput: false);
            checkout.UseKt(repository, tasks);
            var freeze = await checkout.PublishFrozenAsync(BenchContext.RegistryBase, "kt-bench/repro", context.Folder($"cache-checkout-{i}"), cancellationToken).ConfigureAwait(false);
            var match = ImageLine().Match(freeze.Output);
            if (!match.Success)
            {
                return BenchFigure.NotMeasured(Name, "digests", "== 1", "the KtFreeze publish printed no image line: " + Tail(freeze.Output));
            }

            frozen.Add(match.Groups["digest"].Value);

            // The baseline: what the same folder gives when its publish is an ordinary one.
            var baseline = app.CopyTo(context.Folder(folder + "-plain"), includePublishOutput: false);
            await baseline.PublishAsync(cancellationToken).ConfigureAwait(false);
            var image = await new KtImages(baseline.Root, context.Folder($"cache-plain-{i}"), context.RegistryClient).FreezeAsync(cancellationToken).ConfigureAwait(false);
            plain.Add(image.Image.ManifestDigest.ToString());
        }

        var distinct = frozen.Distinct().Count();
        var baselineDistinct = plain.Distinct().Count();
        var note = string.Create(CultureInfo.InvariantCulture,
            $"KtFreeze {string.Join(" vs ", frozen.Select(Short))}; plain publish {string.Join(" vs ", plain.Select(Short))}");
        return new BenchFigure(Name, distinct, "digests", baselineDistinct, (double)distinct / baselineDistinct, "== 1", distinct == 1, note);
    }

    internal static string Short(string digest) => digest[..19];

    internal static string Tail(string text) => text.Length <= 400 ? text : text[^400..];

    internal static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Kt.slnx")))
        {
            folder = folder.Parent;
        }

        return folder?.FullName ?? throw new InvalidOperationException("Kt.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The Kt.MSBuild task assembly the bench project built (its configuration's, else any).</summary>
    internal static string? TasksAssembly(string repository)
    {
        var bin = Path.Combine(repository, "src", "Kt.MSBuild", "bin");
        return Directory.Exists(bin)
            ? Directory.EnumerateFiles(bin, "Kt.MSBuild.dll", SearchOption.AllDirectories).OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
    }

    [GeneratedRegex(@"kt: image kt-bench/repro@(?<digest>sha256:[0-9a-f]{64})")]
    private static partial Regex ImageLine();
}
