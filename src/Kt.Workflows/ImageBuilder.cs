using Kt.Docker;
using Kt.ImageCompiler;
using Kt.ImageCompiler.Freezing;
using Kt.ImageCompiler.Model;
using Kt.Oci;

namespace Kt.Workflows;

/// <summary>
/// One way to build an image (the frozen service image, the dev loop's runtime image): compile, cache, write (OCI
/// layout, archive) and push it. The work is the image compiler's.
/// </summary>
internal static class ImageBuilder
{
    /// <summary>Compiles <paramref name="definition"/>, writes and (with a registry) pushes it; returns the digest-pinned result.</summary>
    /// <param name="title">The image's title annotation (the service name).</param>
    /// <param name="activity">What the progress line calls the build (e.g. <c>freezing hello</c>).</param>
    /// <param name="tags">Tags instead of <see cref="ImageOutputSettings.Tags"/>.</param>
    public static async Task<BuiltImage> BuildAsync(ImageDefinition definition, ImageOutputSettings settings, string title, string activity,
        string? tags, WorkflowOutput output, CancellationToken cancellationToken, FreezeLock? locking = null)
    {
        var name = FrozenImageName.Create(settings.Registry, settings.Repository, tags ?? settings.Tags);
        var blobs = new BlobCache(string.IsNullOrWhiteSpace(settings.CacheDirectory) ? null : Path.Combine(settings.CacheDirectory, "blobs"));
        var stepCache = new StepLayerCache(blobs);
        var locked = locking?.ToInstall(definition);
        // Each pushed blob and every registry retry is a line: a slow or silent registry shows, it does not just hang.
        using var registry = new RegistryClient(new RegistryClientOptions { Progress = line => output.Detail("    " + line) });
        // The base where it is: its registry, else this machine's engine (one reference serves docker dev and freeze). A
        // locked freeze takes its base by digest from the registry only: an engine's tag could name another image.
        var fromRegistry = new RegistryImageSource(registry, FreezeLock.BaseReference(definition, locked), blobs);
        await using var baseSource = new BaseImageSource(fromRegistry, definition.Base.Reference, Path.Combine(Path.GetTempPath(), "kt-base-images"), useEngine: locked is null);
        var (engine, engineProblem) = definition.NeedsEngine ? await TryConnectEngineAsync(output, cancellationToken).ConfigureAwait(false) : (null, null);
        using (engine)
        {
            output.Progress($"{activity} from {definition.Base.Reference} ({definition.Steps.Count} steps)");
            FreezeResult frozen;
            try
            {
                frozen = await new ImageFreezer(blobs, engine, stepCache).FreezeAsync(definition, settings.ProjectDirectory, baseSource,
                    new FreezeSettings { Title = title, Output = line => output.Detail("    " + line), Lock = locked, LockPath = locking?.Path },
                    new SynchronousProgress<string>(output.Progress), cancellationToken).ConfigureAwait(false);
            }
            catch (KtException e) when (e.Code == ImageErrors.EngineRequired && engineProblem is not null)
            {
                // The freezer says why an engine is needed; the connection attempt says why there is none.
                throw new KtException(e.Code, $"{e.Detail} ({engineProblem.Code}: {engineProblem.Detail})", e);
            }

            // No trailing separator: the layout is swapped in through a sibling temp folder named after it.
            var layout = Path.TrimEndingDirectorySeparator(Path.GetFullPath(settings.LayoutOutputPath));
            var archive = string.IsNullOrWhiteSpace(settings.ArchiveOutputPath) ? null : name.ArchiveFile(settings.ArchiveOutputPath);
            var written = await ImageOutputWriter.WriteAsync(frozen.Image, new ImageOutputs
            {
                LayoutPath = layout,
                ArchivePath = archive,
                PushRepository = name.PushRepository,
                Tags = name.Tags,
                LocalName = name.LocalName,
            }, registry, engine, cancellationToken).ConfigureAwait(false);

            if (locking is not null)
            {
                // A freeze (not the dev loop's runtime image) records what it installed and lists it as an SBOM.
                var contents = await locking.RecordAsync(frozen, stepCache, output, cancellationToken).ConfigureAwait(false);
                await FreezeSbom.WriteAsync(definition, frozen, contents, settings, name, layout, archive, written, registry, output, cancellationToken)
                    .ConfigureAwait(false);
            }

            var reference = written.PinnedReference ?? $"{name.Repository}@{written.ManifestDigest}";
            if (baseSource.FromEngine)
            {
                output.Progress($"base {definition.Base.Reference} taken from the local Docker engine (its registry does not have it)");
            }

            var cached = frozen.Steps.Count(s => s.Outcome == StepOutcomeKind.Cached);
            output.Progress($"image {reference} ({cached} cached, {frozen.StepsRun} ran)");
            output.Progress($"layout {layout}" + (archive is null ? "" : $", archive {archive}"));
            return new BuiltImage(written.ManifestDigest.ToString(), reference, archive, Pushed: written.PinnedReference is not null);
        }
    }

    /// <summary>A missing engine is not an error yet: every command step may be cached. The freezer decides.</summary>
    private static async Task<(DockerEngine? Engine, KtException? Problem)> TryConnectEngineAsync(WorkflowOutput output, CancellationToken cancellationToken)
    {
        try
        {
            return (await DockerEngine.ConnectAsync(cancellationToken: cancellationToken).ConfigureAwait(false), null);
        }
        catch (KtException e)
        {
            output.Detail($"kt: no container engine ({e.Message}); only cached command steps can be used.");
            return (null, e);
        }
    }
}

/// <summary>An image written (and pushed, when a registry was given), pinned by its manifest digest.</summary>
public sealed record BuiltImage(string Digest, string Reference, string? ArchiveFile, bool Pushed);
