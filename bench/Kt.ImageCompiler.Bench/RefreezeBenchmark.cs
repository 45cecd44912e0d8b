using System.Globalization;
using System.Text.RegularExpressions;

namespace Kt.ImageCompiler.Bench;

/// <summary>
/// Figure 6: three unchanged <c>dotnet publish -p:KtFreeze=true</c> runs of a service (runtime baked in, manifests
/// written) in one folder must give one manifest digest: nothing Kt writes may land in what it freezes. Baseline, same
/// run: the same three runs in a second copy with the manifests written into the publish folder (Kt's old default),
/// where each freeze bakes the previous run's manifests into the app layer.
/// </summary>
internal static partial class RefreezeBenchmark
{
    public const string Name = "distinct digests from three unchanged re-freezes in one folder (KtFreeze)";
    private const int Runs = 3;
    private const string Repository = "kt-bench/refreeze";

    public static async Task<BenchFigure> RunAsync(BenchContext context, SampleApp app, CancellationToken cancellationToken)
    {
        var repository = ReproducibilityBenchmark.RepositoryRoot();
        var tasks = ReproducibilityBenchmark.TasksAssembly(repository);
        if (tasks is null)
        {
            return BenchFigure.NotMeasured(Name, "digests", "== 1", "src/Kt.MSBuild is not built (dotnet build bench/Kt.ImageCompiler.Bench builds it)");
        }

        var kt = app.CopyTo(context.Folder("refreeze"), includePublishOutput: false);
        kt.UseKt(repository, tasks);
        var inPublish = app.CopyTo(context.Folder("refreeze-into-publish"), includePublishOutput: false);
        inPublish.UseKt(repository, tasks);
        var digests = new List<string>();
        var baseline = new List<string>();
        // Interleaved, so both series see the same machine load and cache state.
        for (var run = 0; run < Runs; run++)
        {
            var (found, digest) = await FreezeAsync(kt, context.Folder("cache-refreeze"), cancellationToken).ConfigureAwait(false);
            if (!found)
            {
                return BenchFigure.NotMeasured(Name, "digests", "== 1", "the KtFreeze publish printed no image line: " + digest);
            }

            digests.Add(digest);
            var (oldFound, old) = await FreezeAsync(inPublish, context.Folder("cache-refreeze-into-publish"), cancellationToken,
                "-p:KtManifestsOutputPath=bin/Release/net10.0/publish/kt-manifests").ConfigureAwait(false);
            if (!oldFound)
            {
                return BenchFigure.NotMeasured(Name, "digests", "== 1", "the baseline publish printed no image line: " + old);
            }

            baseline.Add(old);
        }

        var distinct = digests.Distinct().Count();
        var baselineDistinct = baseline.Distinct().Count();
        var note = string.Create(CultureInfo.InvariantCulture,
            $"{Runs} runs: {string.Join(", ", digests.Select(ReproducibilityBenchmark.Short))}; manifests in the publish folder: {string.Join(", ", baseline.Select(ReproducibilityBenchmark.Short))}");
        return new BenchFigure(Name, distinct, "digests", baselineDistinct, (double)distinct / baselineDistinct, "== 1", distinct == 1, note);
    }

    /// <returns>(true, the digest) or (false, the tail of the output).</returns>
    private static async Task<(bool Found, string Text)> FreezeAsync(SampleApp app, string cache, CancellationToken cancellationToken, params string[] more)
    {
        var freeze = await app.PublishFrozenAsync(BenchContext.RegistryBase, Repository, cache, cancellationToken, withRuntime: true, more).ConfigureAwait(false);
        var match = ImageLine().Match(freeze.Output);
        return match.Success ? (true, match.Groups["digest"].Value) : (false, ReproducibilityBenchmark.Tail(freeze.Output));
    }

    [GeneratedRegex(@"kt: image kt-bench/refreeze@(?<digest>sha256:[0-9a-f]{64})")]
    private static partial Regex ImageLine();
}
