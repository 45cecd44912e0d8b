using Kt.Core;
using Kt.ImageCompiler.Locking;
using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Resolution;
using Kt.Oci;

namespace Kt.ImageCompiler.Freezing;

/// <summary>
/// Compilation 2, the freeze path: the definition as a layered OCI image. File steps become reproducible layers
/// without any daemon; command steps run on the container engine (one layer per step, the step's filesystem diff,
/// normalised); every layer is cached by step key so an unchanged prefix is never rebuilt or re-run.
/// </summary>
public sealed class ImageFreezer
{
    private readonly BlobCache _blobs;
    private readonly StepLayerCache _steps;
    private readonly IContainerEngine? _engine;

    /// <param name="engine">Only needed when a command step misses the cache; null means "no engine here".</param>
    public ImageFreezer(BlobCache blobs, IContainerEngine? engine = null, StepLayerCache? stepCache = null)
    {
        _blobs = blobs;
        _engine = engine;
        _steps = stepCache ?? new StepLayerCache(blobs);
    }

    public async Task<FreezeResult> FreezeAsync(ImageDefinition definition, string projectRoot, IImageSource baseSource,
        FreezeSettings? settings = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        settings ??= new FreezeSettings();
        var baseImage = await baseSource.LoadAsync(null, cancellationToken).ConfigureAwait(false);
        var baseConfig = baseImage.Config.Value.Config;
        var baseEnvironment = (baseConfig?.Env ?? [])
            .Select(e => e.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last()[1], StringComparer.Ordinal);
        var resolved = new DefinitionResolver(projectRoot).Resolve(definition, baseEnvironment, baseConfig?.WorkingDir);
        if (settings.Lock is { } imageLock)
        {
            resolved = LockPinning.Apply(resolved, imageLock, settings.LockPath ?? ImageLock.FileName);
        }

        await RefuseUnmetPrerequisitesAsync(resolved, baseImage, cancellationToken).ConfigureAwait(false);
        var imageSteps = new List<ImageStep>();
        var outcomes = new List<StepOutcome>();
        foreach (var step in resolved.Steps)
        {
            var createdBy = $"kt-step {step.Key.Hex} {step.Description}";
            if (step.Effect == StepEffect.Metadata)
            {
                imageSteps.Add(ImageStep.MetadataOnly(createdBy, step.Key.Hex));
                outcomes.Add(new StepOutcome(step.Key.Hex, step.Description, StepOutcomeKind.Metadata, null));
                continue;
            }

            var (layer, outcome) = await LayerForAsync(step, baseImage, imageSteps, resolved, settings, cancellationToken).ConfigureAwait(false);
            var pins = step.Pins is null ? "" : $" (locked: {string.Join(' ', step.Pins)})";
            progress?.Report($"{step.Key.Short} {outcome.ToString().ToLowerInvariant(),-7} {step.Description}{pins}");
            imageSteps.Add(ImageStep.ForLayer(layer, createdBy, step.Key.Hex));
            outcomes.Add(new StepOutcome(step.Key.Hex, step.Description, outcome, layer));
        }

        var image = ImageAssembler.Assemble(baseImage, imageSteps, Settings(resolved, settings));
        return new FreezeResult(image, resolved, outcomes, baseImage.ManifestDigest);
    }

    /// <summary>
    /// A pip or dotnet-tool step the base image surely cannot serve (no Python with pip, no .NET SDK, and no step
    /// before it that may bring one) is refused before any step runs (KT1020 / KT1021). The base layers are read only
    /// when some step could be refused, and not when that step's layer is cached (it ran with what it needed).
    /// </summary>
    private async Task RefuseUnmetPrerequisitesAsync(ResolvedImage resolved, OciImage baseImage, CancellationToken cancellationToken)
    {
        var steps = resolved.Steps
            .Select(s => new PrerequisiteStep(s.Kind, s.Description, s.Packages, s.Environment.GetValueOrDefault("PATH")))
            .ToList();
        if (StepPrerequisites.FirstUnmetOnAnyImage(steps) is not { } possible
            || await _steps.TryGetAsync(resolved.Steps[possible.StepIndex].CacheKey, cancellationToken).ConfigureAwait(false) is not null)
        {
            return;
        }

        if (await ImageFileList.ReadAsync(baseImage, cancellationToken).ConfigureAwait(false) is { } files
            && StepPrerequisites.FirstUnmet(steps, files) is { } unmet)
        {
            throw unmet.Error;
        }
    }

    private async Task<(Layer Layer, StepOutcomeKind Outcome)> LayerForAsync(ResolvedStep step, OciImage baseImage,
        IReadOnlyList<ImageStep> before, ResolvedImage resolved, FreezeSettings settings, CancellationToken cancellationToken)
    {
        if (await _steps.TryGetAsync(step.CacheKey, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            return (cached, StepOutcomeKind.Cached);
        }

        Layer layer;
        StepOutcomeKind outcome;
        if (step.Effect == StepEffect.Files)
        {
            var builder = new LayerBuilder(settings.Created);
            foreach (var file in step.Files)
            {
                builder.AddFile(file.ImagePath, file.SourcePath, executable: file.Mode == ResolvedFile.ExecutableMode);
            }

            layer = await builder.BuildAsync(_blobs, cancellationToken).ConfigureAwait(false);
            outcome = StepOutcomeKind.Built;
        }
        else
        {
            // The command must see the image as it stands at this step (its user, working directory, environment),
            // not the final image's metadata.
            var current = ImageAssembler.Assemble(baseImage, before, StepSettings(step, resolved, settings));
            layer = await RunOnEngineAsync(step, current, settings, cancellationToken).ConfigureAwait(false);
            outcome = StepOutcomeKind.Ran;
        }

        _steps.Put(step.CacheKey, layer);
        return (layer, outcome);
    }

    private async Task<Layer> RunOnEngineAsync(ResolvedStep step, OciImage current, FreezeSettings settings, CancellationToken cancellationToken)
    {
        if (_engine is null)
        {
            throw new KtException(ImageErrors.EngineRequired,
                $"step '{step.Description}' runs a command, which needs a container engine (Docker) to freeze, and none is available; "
                + "start dockerd (or set DOCKER_HOST), or keep the definition to file-only steps.");
        }

        var tag = $"kt-build/step:{step.Key.Short}";
        var work = Path.Combine(Path.GetTempPath(), "kt-step-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(work);
        try
        {
            // The engine receives the image as it stands before this step, so the command sees every earlier step.
            var tarball = Path.Combine(work, "image.tar");
            await ImageTarballWriter.WriteFileAsync(current, tarball, [ImageReference.Parse(tag)], cancellationToken).ConfigureAwait(false);
            await using (var stream = File.OpenRead(tarball))
            {
                await _engine.LoadImageAsync(stream, cancellationToken).ConfigureAwait(false);
            }

            var diff = Path.Combine(work, "diff.tar");
            var result = await _engine.RunStepAsync(new StepRunRequest(tag, step.Shell!, step.Environment, step.WorkingDirectory, step.User, diff, settings.Output),
                cancellationToken).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                if (LockPinning.VersionGone(step, result.OutputTail) is { } gone)
                {
                    throw gone;
                }

                throw new KtException(ImageErrors.StepFailed,
                    StepFailure.Describe($"step {step.Key.Short} '{step.Description}'", result.ExitCode, result.OutputTail, "nothing was cached"));
            }

            return await LayerNormalizer.NormalizeAsync(diff, _blobs, modificationTime: settings.Created, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _engine.RemoveImageAsync(tag, CancellationToken.None).ConfigureAwait(false);
            Directory.Delete(work, recursive: true);
        }
    }

    private static ImageSettings StepSettings(ResolvedStep step, ResolvedImage resolved, FreezeSettings settings) => new()
    {
        Environment = resolved.DefinedVariables.Where(step.Environment.ContainsKey)
            .Select(name => new KeyValuePair<string, string>(name, step.Environment[name])).ToList(),
        WorkingDirectory = step.WorkingDirectory,
        User = step.User,
        Created = settings.Created,
    };

    // The definition's labels (Dockerfile LABEL, ContainerLabel), then the build's own (the SDK's generated ones) on top.
    private static Dictionary<string, string> MergedLabels(IReadOnlyDictionary<string, string> definition, IReadOnlyDictionary<string, string> build)
    {
        var labels = new Dictionary<string, string>(definition, StringComparer.Ordinal);
        foreach (var (name, value) in build)
        {
            labels[name] = value;
        }

        return labels;
    }

    private static ImageSettings Settings(ResolvedImage resolved, FreezeSettings settings) => new()
    {
        Environment = resolved.DefinedVariables.Select(name => new KeyValuePair<string, string>(name, resolved.Environment[name])).ToList(),
        Entrypoint = resolved.Entrypoint,
        Cmd = resolved.Cmd,
        WorkingDirectory = resolved.WorkingDirectory,
        User = resolved.User,
        Labels = MergedLabels(resolved.Labels, settings.Labels),
        ExposedPorts = resolved.ExposedPorts,
        Created = settings.Created,
        Title = settings.Title,
        Source = settings.Source,
        Revision = settings.Revision,
        BaseName = resolved.BaseReference,
        Annotations = new Dictionary<string, string> { ["dev.kt.definition.key"] = resolved.FinalKey.Hex },
    };
}

/// <summary>Freeze options that are not part of the definition (they do not change step keys).</summary>
public sealed record FreezeSettings
{
    /// <summary>Layer mtimes and image creation time; null = SOURCE_DATE_EPOCH or the fixed default.</summary>
    public DateTimeOffset? Created { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public string? Title { get; init; }

    public string? Source { get; init; }

    public string? Revision { get; init; }

    /// <summary>
    /// A lockfile to install exactly (<c>KtLocked=true</c>): command steps get its pinned versions. The caller loads
    /// the base by the digest it names. Null resolves current versions.
    /// </summary>
    public ImageLock? Lock { get; init; }

    /// <summary>Where <see cref="Lock"/> came from, for messages.</summary>
    public string? LockPath { get; init; }

    /// <summary>Receives command steps' output lines as they run.</summary>
    public Action<string>? Output { get; init; }
}
