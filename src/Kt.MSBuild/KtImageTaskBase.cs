using Kt.Core;
using Kt.Docker;
using Kt.ImageCompiler;
using Kt.ImageCompiler.Freezing;
using Kt.ImageCompiler.Model;
using Kt.Oci;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// Tasks that build an image (the frozen service image, the dev loop's runtime image): the SDK's container properties
/// as inputs, and one way to compile, cache, write (OCI layout, archive) and push it. The work is the image compiler's.
/// </summary>
public abstract class KtImageTaskBase : KtTaskBase
{
    /// <summary>Where copy/sync sources and a base Dockerfile are resolved.</summary>
    [Required] public string ProjectDirectory { get; set; } = "";

    /// <summary><c>ContainerRegistry</c>: push there when set.</summary>
    public string? Registry { get; set; }

    /// <summary><c>ContainerRepository</c> (default the service name).</summary>
    public string Repository { get; set; } = "";

    /// <summary><c>;</c>-separated tags (<c>ContainerImageTags</c>); the first names the layout and archive.</summary>
    public string? Tags { get; set; }

    /// <summary><c>ContainerArchiveOutputPath</c>: a file, or a folder (then <c>&lt;repository&gt;.tar.gz</c> in it, as the SDK names it).</summary>
    public string? ArchiveOutputPath { get; set; }

    /// <summary>The OCI layout folder; always written.</summary>
    public string LayoutOutputPath { get; set; } = "";

    /// <summary><c>KtCacheDirectory</c>: blob and step cache root; default <c>~/.kt/cache</c>.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Compiles <paramref name="definition"/>, writes and (with a registry) pushes it; returns the digest-pinned result.</summary>
    /// <param name="title">The image's title annotation (the service name).</param>
    /// <param name="activity">What the progress line calls the build (e.g. <c>freezing hello</c>).</param>
    protected async Task<BuiltImage> BuildImageAsync(ImageDefinition definition, string title, string activity, string? tags = null)
    {
        var name = FrozenImageName.Create(Registry, Repository, tags ?? Tags);
        var blobs = new BlobCache(string.IsNullOrWhiteSpace(CacheDirectory) ? null : Path.Combine(CacheDirectory, "blobs"));
        using var registry = new RegistryClient();
        var baseSource = new RegistryImageSource(registry, Oci.ImageReference.Parse(definition.Base.Reference), blobs);
        var (engine, engineProblem) = definition.NeedsEngine ? await TryConnectEngineAsync().ConfigureAwait(false) : (null, null);
        using (engine)
        {
            Progress($"{activity} from {definition.Base.Reference} ({definition.Steps.Count} steps)");
            FreezeResult frozen;
            try
            {
                frozen = await new ImageFreezer(blobs, engine).FreezeAsync(definition, ProjectDirectory, baseSource,
                    new FreezeSettings { Title = title, Output = line => Log.LogMessage(MessageImportance.Normal, "    " + line) },
                    new SynchronousProgress<string>(Progress), CancellationToken).ConfigureAwait(false);
            }
            catch (KtException e) when (e.Code == ImageErrors.EngineRequired && engineProblem is not null)
            {
                // The freezer says why an engine is needed; the connection attempt says why there is none.
                throw new KtException(e.Code, $"{e.Detail} ({engineProblem.Code}: {engineProblem.Detail})", e);
            }

            // No trailing separator: the layout is swapped in through a sibling temp folder named after it.
            var layout = Path.TrimEndingDirectorySeparator(Path.GetFullPath(LayoutOutputPath));
            var archive = string.IsNullOrWhiteSpace(ArchiveOutputPath) ? null : name.ArchiveFile(ArchiveOutputPath);
            var written = await ImageOutputWriter.WriteAsync(frozen.Image, new ImageOutputs
            {
                LayoutPath = layout,
                ArchivePath = archive,
                PushRepository = name.PushRepository,
                Tags = name.Tags,
                LocalName = name.LocalName,
            }, registry, engine, CancellationToken).ConfigureAwait(false);

            var reference = written.PinnedReference ?? $"{name.Repository}@{written.ManifestDigest}";
            var cached = frozen.Steps.Count(s => s.Outcome == StepOutcomeKind.Cached);
            Progress($"image {reference} ({cached} cached, {frozen.StepsRun} ran)");
            Progress($"layout {layout}" + (archive is null ? "" : $", archive {archive}"));
            return new BuiltImage(written.ManifestDigest.ToString(), reference, archive, Pushed: written.PinnedReference is not null);
        }
    }

    /// <summary>A missing engine is not an error yet: every command step may be cached. The freezer decides.</summary>
    private async Task<(DockerEngine? Engine, KtException? Problem)> TryConnectEngineAsync()
    {
        try
        {
            return (await DockerEngine.ConnectAsync(cancellationToken: CancellationToken).ConfigureAwait(false), null);
        }
        catch (KtException e)
        {
            Log.LogMessage(MessageImportance.Normal, $"kt: no container engine ({e.Message}); only cached command steps can be used.");
            return (null, e);
        }
    }
}

/// <summary>An image written (and pushed, when a registry was given), pinned by its manifest digest.</summary>
public sealed record BuiltImage(string Digest, string Reference, string? ArchiveFile, bool Pushed);
