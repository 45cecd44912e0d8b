using Kt.Core;
using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.Docker;
using Kt.ImageCompiler;
using Kt.ImageCompiler.Freezing;
using Kt.ImageCompiler.Model;
using Kt.Oci;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// <c>-p:KtFreeze=true</c>: freezes <c>kt.definition.json</c> plus the publish output into a layered OCI image, writes
/// it as an OCI layout, optionally as an archive (<c>ContainerArchiveOutputPath</c>) and pushes it when
/// <c>ContainerRegistry</c> is set. All the work is the image compiler's; this task only wires the inputs to it.
/// </summary>
public sealed class KtFreezeImage : KtTaskBase
{
    /// <summary>The <c>kt.definition.json</c> KtWriteDefinition wrote.</summary>
    [Required] public string DefinitionFile { get; set; } = "";

    /// <summary>Where copy/sync sources and a base Dockerfile are resolved.</summary>
    [Required] public string ProjectDirectory { get; set; } = "";

    /// <summary>The publish output that becomes the app layers.</summary>
    [Required] public string PublishDirectory { get; set; } = "";

    /// <summary><c>ContainerRegistry</c>: push there when set.</summary>
    public string? Registry { get; set; }

    [Required] public string Repository { get; set; } = "";

    /// <summary><c>;</c>-separated tags (<c>ContainerImageTags</c>); the first names the layout and archive.</summary>
    public string? Tags { get; set; }

    /// <summary><c>ContainerArchiveOutputPath</c>: a file, or a folder (then <c>&lt;repository&gt;.tar.gz</c> in it, as the SDK names it).</summary>
    public string? ArchiveOutputPath { get; set; }

    /// <summary>The OCI layout folder; always written.</summary>
    [Required] public string LayoutOutputPath { get; set; } = "";

    /// <summary><c>KtCacheDirectory</c>: blob and step cache root; default <c>~/.kt/cache</c>.</summary>
    public string? CacheDirectory { get; set; }

    /// <summary>
    /// <c>KtFreezeWithRuntime</c> (default true): bake the pod runtime and the .NET it runs on into the image and start
    /// it in frozen mode on the app; false keeps the app's own entry point (a plain app image).
    /// </summary>
    public bool WithRuntime { get; set; } = true;

    /// <summary>The image manifest digest (<c>sha256:…</c>).</summary>
    [Output] public string ImageDigest { get; private set; } = "";

    /// <summary>The digest-pinned reference when pushed, else <c>&lt;repository&gt;@&lt;digest&gt;</c>.</summary>
    [Output] public string ImageReference { get; private set; } = "";

    /// <summary>Where the archive was written, when one was asked for.</summary>
    [Output] public string? ArchiveFile { get; private set; }

    protected override void ExecuteCore() => FreezeAsync().GetAwaiter().GetResult();

    private async Task FreezeAsync()
    {
        var project = ProjectDefinitionFile.Read(DefinitionFile, MSBuildErrors.DefinitionUnreadable);
        var name = FrozenImageName.Create(Registry, Repository, Tags);
        var definition = WithRuntime
            ? FrozenServiceImage.Definition(project, ProjectDirectory, PublishDirectory, PodRuntimeFiles.Locate())
            : StepFactory.FromProject(project, ProjectDirectory, PublishDirectory);

        var blobs = new BlobCache(string.IsNullOrWhiteSpace(CacheDirectory) ? null : Path.Combine(CacheDirectory, "blobs"));
        using var registry = new RegistryClient();
        var baseSource = new RegistryImageSource(registry, Oci.ImageReference.Parse(definition.Base.Reference), blobs);
        var (engine, engineProblem) = definition.NeedsEngine ? await TryConnectEngineAsync().ConfigureAwait(false) : (null, null);
        using (engine)
        {
            Progress($"freezing {project.Service} from {definition.Base.Reference} ({definition.Steps.Count} steps)");
            FreezeResult frozen;
            try
            {
                frozen = await new ImageFreezer(blobs, engine).FreezeAsync(definition, ProjectDirectory, baseSource,
                    new FreezeSettings { Title = project.Service, Output = line => Log.LogMessage(MessageImportance.Normal, "    " + line) },
                    new SynchronousProgress<string>(Progress), CancellationToken).ConfigureAwait(false);
            }
            catch (KtException e) when (e.Code == ImageErrors.EngineRequired && engineProblem is not null)
            {
                // The freezer says why an engine is needed; the connection attempt says why there is none.
                throw new KtException(e.Code, $"{e.Detail} ({engineProblem.Code}: {engineProblem.Detail})", e);
            }

            // No trailing separator: the layout is swapped in through a sibling temp folder named after it.
            var layout = Path.TrimEndingDirectorySeparator(Path.GetFullPath(LayoutOutputPath));
            ArchiveFile = string.IsNullOrWhiteSpace(ArchiveOutputPath) ? null : name.ArchiveFile(ArchiveOutputPath);
            var written = await ImageOutputWriter.WriteAsync(frozen.Image, new ImageOutputs
            {
                LayoutPath = layout,
                ArchivePath = ArchiveFile,
                PushRepository = name.PushRepository,
                Tags = name.Tags,
                LocalName = name.LocalName,
            }, registry, engine, CancellationToken).ConfigureAwait(false);

            ImageDigest = written.ManifestDigest.ToString();
            ImageReference = written.PinnedReference ?? $"{name.Repository}@{written.ManifestDigest}";
            var cached = frozen.Steps.Count(s => s.Outcome == StepOutcomeKind.Cached);
            Progress($"image {ImageReference} ({cached} cached, {frozen.StepsRun} ran)");
            Progress($"layout {layout}" + (ArchiveFile is null ? "" : $", archive {ArchiveFile}"));
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
