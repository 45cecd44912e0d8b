using System.Diagnostics;
using System.Globalization;
using Kt.ImageCompiler.Freezing;
using Kt.Oci;

namespace Kt.ImageCompiler.Bench;

/// <summary>
/// Figure 2: the app image pushed to the local registry, Kt vs the SDK's <c>dotnet publish -t:PublishContainer</c>.
/// Both totals include the publish: each side compiles the same one-line change in its own copy of the project (the
/// SDK cannot make an image without its own publish), then Kt freezes and pushes in-process, as its MSBuild task does.
/// </summary>
internal static class SdkComparisonBenchmark
{
    public const string Name = "publish + image + push vs SDK PublishContainer";
    private const int Rounds = 3;
    private const string Target = "<= 1.0 (kt/sdk)";

    public static async Task<BenchFigure> RunAsync(BenchContext context, SampleApp app, CancellationToken cancellationToken)
    {
        var sdkApp = app.CopyTo(context.Folder("app-sdk"), includePublishOutput: false);
        var kt = new KtImages(app.Root, context.Folder("cache-push"), context.RegistryClient);
        var ktTarget = ImageReference.Parse($"{BenchContext.Registry}/kt-bench/kt");

        // Warm both once (restore, first compile, base layers known to each target repository).
        await KtRoundAsync(app, kt, ktTarget, context, cancellationToken).ConfigureAwait(false);
        try
        {
            await SdkRoundAsync(sdkApp, cancellationToken).ConfigureAwait(false);
        }
        catch (CommandFailedException e)
        {
            return BenchFigure.NotMeasured(Name, "ms", Target, "the SDK's PublishContainer failed here: " + FirstErrorLine(e.Message));
        }

        var ktTotal = new List<double>();
        var ktImage = new List<double>();
        var sdk = new List<double>();
        for (var round = 0; round < Rounds; round++)
        {
            var marker = context.NextMarker();
            app.ChangeCode(marker);
            sdkApp.ChangeCode(marker);
            if (round % 2 == 0)
            {
                Record(await KtRoundAsync(app, kt, ktTarget, context, cancellationToken).ConfigureAwait(false));
                sdk.Add(await SdkRoundAsync(sdkApp, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                sdk.Add(await SdkRoundAsync(sdkApp, cancellationToken).ConfigureAwait(false));
                Record(await KtRoundAsync(app, kt, ktTarget, context, cancellationToken).ConfigureAwait(false));
            }
        }

        var ktMedian = Samples.Median(ktTotal);
        var sdkMedian = Samples.Median(sdk);
        var ratio = ktMedian / sdkMedian;
        var note = string.Create(CultureInfo.InvariantCulture,
            $"median of {Rounds} code changes, publish included on both sides; kt = `dotnet publish` + freeze + push "
            + $"(freeze + push alone {Samples.Median(ktImage):0} ms), samples {Samples.Describe(ktTotal)} ms; "
            + $"sdk = `dotnet publish -t:PublishContainer` with DOTNET_CONTAINER_INSECURE_REGISTRIES={BenchContext.Registry}, samples {Samples.Describe(sdk)} ms");
        return new BenchFigure(Name, Math.Round(ktMedian, 1), "ms", Math.Round(sdkMedian, 1), Math.Round(ratio, 3), Target, ratio <= 1.0, note);

        void Record((double Total, double Image) round)
        {
            ktTotal.Add(round.Total);
            ktImage.Add(round.Image);
        }
    }

    private static async Task<(double Total, double Image)> KtRoundAsync(SampleApp app, KtImages kt, ImageReference target, BenchContext context,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await app.PublishAsync(cancellationToken).ConfigureAwait(false);
        var published = clock.Elapsed.TotalMilliseconds;
        var result = await kt.FreezeAsync(cancellationToken).ConfigureAwait(false);
        await ImageOutputWriter.WriteAsync(result.Image, new ImageOutputs { PushRepository = target }, context.RegistryClient, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        clock.Stop();
        return (clock.Elapsed.TotalMilliseconds, clock.Elapsed.TotalMilliseconds - published);
    }

    private static async Task<double> SdkRoundAsync(SampleApp app, CancellationToken cancellationToken)
    {
        var result = await app.PublishContainerAsync(BenchContext.Registry, "kt-bench/sdk", BenchContext.RegistryBase, cancellationToken).ConfigureAwait(false);
        return result.Elapsed.TotalMilliseconds;
    }

    private static string FirstErrorLine(string message) =>
        message.Split('\n').FirstOrDefault(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))?.Trim() ?? message.Split('\n')[0];
}
