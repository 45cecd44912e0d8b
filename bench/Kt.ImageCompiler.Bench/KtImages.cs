using Kt.ImageCompiler.Freezing;
using Kt.Oci;

namespace Kt.ImageCompiler.Bench;

/// <summary>The definition every benchmark builds, and Kt's freeze of it with a given project folder and cache.</summary>
internal sealed class KtImages(string projectRoot, string cacheRoot, RegistryClient registry)
{
    private readonly BlobCache _blobs = new(Path.Combine(cacheRoot, "blobs"));

    /// <summary>A file-only definition (no command steps: the base has no .NET, and the app is built, not run).</summary>
    public static Image Definition(string baseImage) => Image.From(baseImage)
        .Env("APP_MODE", "bench")
        .Env("APP_CONFIG", "/etc/kt-bench")
        .Copy(SampleApp.ConfigFolder, "/etc/kt-bench/")
        .WithApp(SampleApp.PublishFolder, SampleApp.EntryAssembly);

    public string ProjectRoot => projectRoot;

    /// <summary>A freeze as a CLI or MSBuild invocation does it: new freezer and base source, warm caches on disk.</summary>
    public Task<FreezeResult> FreezeAsync(CancellationToken cancellationToken)
    {
        var image = Definition(BenchContext.RegistryBase);
        var source = new RegistryImageSource(registry, ImageReference.Parse(image.Definition.Base.Reference), _blobs);
        return new ImageFreezer(_blobs).FreezeAsync(image.Definition, projectRoot, source, cancellationToken: cancellationToken);
    }
}
