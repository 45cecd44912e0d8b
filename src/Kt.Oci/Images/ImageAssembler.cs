using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// Puts a new image together from a base image and new steps: config (settings over the base's), diff_ids and
/// history lining up with the layers, an OCI manifest with <c>org.opencontainers.image.*</c> annotations. Every
/// timestamp is the reproducible one, so the same inputs give the same manifest digest.
/// </summary>
public static class ImageAssembler
{
    public const string CreatedAnnotation = "org.opencontainers.image.created";
    public const string SourceAnnotation = "org.opencontainers.image.source";
    public const string RevisionAnnotation = "org.opencontainers.image.revision";
    public const string TitleAnnotation = "org.opencontainers.image.title";
    public const string BaseNameAnnotation = "org.opencontainers.image.base.name";
    public const string BaseDigestAnnotation = "org.opencontainers.image.base.digest";

    public static OciImage Assemble(OciImage baseImage, IReadOnlyList<ImageStep> steps, ImageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(baseImage);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(settings);
        var created = ReproducibleTime.Format(ReproducibleTime.Resolve(settings.Created));
        var baseConfig = baseImage.Config.Value;

        var layers = baseImage.Layers
            .Select(l => l with { Descriptor = l.Descriptor with { MediaType = MediaTypes.ToOciLayer(l.Descriptor.MediaType) } })
            .ToList();
        var history = BaseHistory(baseConfig, baseImage.Layers.Count);
        foreach (var step in steps)
        {
            if (step.Layer is { } layer)
            {
                layers.Add(ImageLayer.FromLayer(layer));
            }

            history.Add(new HistoryEntry { Created = created, CreatedBy = step.CreatedBy, Comment = step.Comment, EmptyLayer = step.Layer is null });
        }

        var config = baseConfig with
        {
            Created = created,
            Config = MergeContainerConfig(baseConfig.Config ?? new ContainerConfig(), settings),
            RootFs = new RootFs { DiffIds = [.. layers.Select(l => l.DiffId)] },
            History = history,
        };
        var configJson = OciJson.Serialize(config);

        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = configJson.ToDescriptor(MediaTypes.OciConfig),
            Layers = [.. layers.Select(l => l.Descriptor)],
            Annotations = Annotations(settings, created, baseImage),
        };
        return new OciImage(OciJson.Serialize(manifest), configJson, layers);
    }

    private static List<HistoryEntry> BaseHistory(ImageConfig baseConfig, int baseLayerCount)
    {
        if (baseConfig.History is { } existing && existing.Count(h => !h.EmptyLayer) == baseLayerCount)
        {
            return [.. existing];
        }

        // A base without usable history still needs one entry per layer, or the new entries would not line up.
        return [.. Enumerable.Range(0, baseLayerCount).Select(i => new HistoryEntry { CreatedBy = "base image layer", Comment = $"layer {i + 1} of the base image" })];
    }

    private static ContainerConfig MergeContainerConfig(ContainerConfig baseConfig, ImageSettings settings)
    {
        var env = MergeEnvironment(baseConfig.Env ?? [], settings.Environment);
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in baseConfig.Labels ?? new Dictionary<string, string>())
        {
            labels[key] = value;
        }

        foreach (var (key, value) in settings.Labels)
        {
            labels[key] = value;
        }

        var ports = new SortedDictionary<string, EmptyObject>(StringComparer.Ordinal);
        foreach (var port in (baseConfig.ExposedPorts?.Keys ?? []).Concat(settings.ExposedPorts))
        {
            ports[port.Contains('/', StringComparison.Ordinal) ? port : port + "/tcp"] = EmptyObject.Instance;
        }

        return baseConfig with
        {
            Env = env.Count == 0 ? null : env,
            Entrypoint = settings.Entrypoint ?? baseConfig.Entrypoint,
            Cmd = settings.Cmd ?? (settings.Entrypoint is null ? baseConfig.Cmd : null),
            WorkingDir = settings.WorkingDirectory ?? baseConfig.WorkingDir,
            User = settings.User ?? baseConfig.User,
            Labels = labels.Count == 0 ? null : labels,
            ExposedPorts = ports.Count == 0 ? null : ports,
        };
    }

    /// <summary>Base variables keep their position (with new values when overridden); new ones are appended in order.</summary>
    public static IReadOnlyList<string> MergeEnvironment(IReadOnlyList<string> baseEnv, IReadOnlyList<KeyValuePair<string, string>> overrides)
    {
        ArgumentNullException.ThrowIfNull(baseEnv);
        ArgumentNullException.ThrowIfNull(overrides);
        var result = baseEnv.ToList();
        foreach (var (key, value) in overrides)
        {
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal))
            {
                throw new KtException(OciErrors.BadEnvironmentName, $"Environment variable name '{key}' is empty or contains '='.");
            }

            var index = result.FindIndex(e => e.StartsWith(key + "=", StringComparison.Ordinal) || e == key);
            if (index >= 0)
            {
                result[index] = $"{key}={value}";
            }
            else
            {
                result.Add($"{key}={value}");
            }
        }

        return result;
    }

    private static SortedDictionary<string, string> Annotations(ImageSettings settings, string created, OciImage baseImage)
    {
        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            [CreatedAnnotation] = created,
            [BaseDigestAnnotation] = baseImage.ManifestDigest.ToString(),
        };
        AddIfSet(annotations, SourceAnnotation, settings.Source);
        AddIfSet(annotations, RevisionAnnotation, settings.Revision);
        AddIfSet(annotations, TitleAnnotation, settings.Title);
        AddIfSet(annotations, BaseNameAnnotation, settings.BaseName);
        foreach (var (key, value) in settings.Annotations)
        {
            annotations[key] = value;
        }

        return annotations;
    }

    private static void AddIfSet(SortedDictionary<string, string> annotations, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            annotations[key] = value;
        }
    }
}
