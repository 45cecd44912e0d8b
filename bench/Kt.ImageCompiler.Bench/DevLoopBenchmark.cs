using System.Diagnostics;
using System.Globalization;
using Kt.ImageCompiler.Dockerfiles;
using Kt.ImageCompiler.Freezing;
using Kt.ImageCompiler.Resolution;
using Kt.Oci;

namespace Kt.ImageCompiler.Bench;

/// <summary>
/// Figure 1: rebuilding the image after a code-only change. Kt freezes (warm blob and step caches) and writes an OCI
/// layout; the baseline compiles the same definition to a Dockerfile and runs <c>docker build -q</c> on a warm cache.
/// The publish after each change is not timed; both sides start from the same publish output.
/// </summary>
internal static class DevLoopBenchmark
{
    public const string Name = "rebuild after a code-only change";
    private const int Rounds = 5;

    public static async Task<BenchFigure> RunAsync(BenchContext context, SampleApp app, CancellationToken cancellationToken)
    {
        var kt = new KtImages(app.Root, context.Folder("cache-devloop"), context.RegistryClient);
        var layout = context.Folder("layout");
        var dockerContext = context.Folder("docker-context");
        var dockerDefinition = KtImages.Definition(BenchContext.EngineBase).Definition;

        // Warm both sides once: Kt's caches (base config and layers, package layers), Docker's layer cache.
        await KtRoundAsync(kt, layout, cancellationToken).ConfigureAwait(false);
        await DockerRoundAsync(context, app, dockerDefinition, dockerContext, cancellationToken).ConfigureAwait(false);

        var ktTotal = new List<double>();
        var ktFreeze = new List<double>();
        var docker = new List<double>();
        var rebuiltLayers = new List<int>();
        for (var round = 0; round < Rounds; round++)
        {
            app.ChangeCode(context.NextMarker());
            await app.PublishAsync(cancellationToken).ConfigureAwait(false);
            // Alternate which side goes first, so neither always meets a just-written page cache.
            if (round % 2 == 0)
            {
                Record(await KtRoundAsync(kt, layout, cancellationToken).ConfigureAwait(false));
                docker.Add(await DockerRoundAsync(context, app, dockerDefinition, dockerContext, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                docker.Add(await DockerRoundAsync(context, app, dockerDefinition, dockerContext, cancellationToken).ConfigureAwait(false));
                Record(await KtRoundAsync(kt, layout, cancellationToken).ConfigureAwait(false));
            }
        }

        var ktMedian = Samples.Median(ktTotal);
        var dockerMedian = Samples.Median(docker);
        var ratio = dockerMedian / ktMedian;
        var note = string.Create(CultureInfo.InvariantCulture,
            $"median of {Rounds} changes; kt = ImageFreezer.FreezeAsync + OciLayoutWriter (freeze alone {Samples.Median(ktFreeze):0} ms), "
            + $"samples {Samples.Describe(ktTotal)} ms; docker = resolve + DockerfileCompiler.Write + `docker build -q` (legacy builder), "
            + $"samples {Samples.Describe(docker)} ms; layers kt built per change: {string.Join('/', rebuiltLayers.Distinct())}");
        return new BenchFigure(Name, Math.Round(ktMedian, 1), "ms", Math.Round(dockerMedian, 1), Math.Round(ratio, 3), ">= 5.0 (docker/kt)", ratio >= 5.0, note);

        void Record((double Total, double Freeze, int Built) kt)
        {
            ktTotal.Add(kt.Total);
            ktFreeze.Add(kt.Freeze);
            rebuiltLayers.Add(kt.Built);
        }
    }

    private static async Task<(double Total, double Freeze, int Built)> KtRoundAsync(KtImages kt, string layout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var result = await kt.FreezeAsync(cancellationToken).ConfigureAwait(false);
        var freeze = clock.Elapsed.TotalMilliseconds;
        await OciLayoutWriter.WriteAsync(result.Image, layout, "latest", cancellationToken).ConfigureAwait(false);
        clock.Stop();
        return (clock.Elapsed.TotalMilliseconds, freeze, result.Steps.Count(s => s.Outcome == StepOutcomeKind.Built));
    }

    private static async Task<double> DockerRoundAsync(BenchContext context, SampleApp app, Model.ImageDefinition definition, string dockerContext,
        CancellationToken cancellationToken)
    {
        var tag = context.NewDockerTag("docker");
        var clock = Stopwatch.StartNew();
        var resolved = new DefinitionResolver(app.Root).Resolve(definition);
        var output = DockerfileCompiler.Write(resolved, dockerContext);
        // DOCKER_BUILDKIT=0: this CLI has no buildx, so BuildKit is not available here; say so rather than fail.
        await CommandLine.RunCheckedAsync("docker", ["build", "-q", "-t", tag, output.ContextDirectory], environment: DockerEnvironment,
            timeout: TimeSpan.FromMinutes(2), cancellationToken: cancellationToken).ConfigureAwait(false);
        clock.Stop();
        return clock.Elapsed.TotalMilliseconds;
    }

    private static readonly Dictionary<string, string?> DockerEnvironment = new() { ["DOCKER_BUILDKIT"] = "0" };
}
