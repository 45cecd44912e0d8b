using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// One single-platform image: its manifest and config (as exact bytes), and its layers with their blob sources.
/// Produced by <see cref="IImageSource"/> and <see cref="ImageAssembler"/>, consumed by the writers and the pusher.
/// </summary>
public sealed class OciImage
{
    public OciImage(SerializedJson<ImageManifest> manifest, SerializedJson<ImageConfig> config, IReadOnlyList<ImageLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(layers);
        if (manifest.Value.Layers.Count != layers.Count || manifest.Value.Config.Digest != config.Digest)
        {
            throw new KtException(OciErrors.BadDocument, "The manifest does not describe the given config and layers.");
        }

        if (config.Value.RootFs.DiffIds.Count != layers.Count)
        {
            throw new KtException(OciErrors.BadDocument, $"The image config lists {config.Value.RootFs.DiffIds.Count} diff_ids for {layers.Count} layers.");
        }

        Manifest = manifest;
        Config = config;
        Layers = layers;
    }

    /// <summary>An image with no layers ("scratch") for <paramref name="platform"/> (default linux/amd64), to build from nothing.</summary>
    public static OciImage Empty(Platform? platform = null)
    {
        var target = platform ?? Platform.Default;
        var config = OciJson.Serialize(new ImageConfig
        {
            Created = ReproducibleTime.Format(ReproducibleTime.Default),
            Architecture = target.Architecture,
            Os = target.Os,
            Variant = target.Variant,
            Config = new ContainerConfig(),
            History = [],
        });
        var manifest = OciJson.Serialize(new ImageManifest { Config = config.ToDescriptor(MediaTypes.OciConfig) });
        return new OciImage(manifest, config, []);
    }

    public SerializedJson<ImageManifest> Manifest { get; }

    public SerializedJson<ImageConfig> Config { get; }

    public IReadOnlyList<ImageLayer> Layers { get; }

    public Digest ManifestDigest => Manifest.Digest;

    /// <summary>The manifest's media type (OCI for images Kt writes; Docker schema 2 for some pulled bases).</summary>
    public string ManifestMediaType => Manifest.Value.MediaType ?? MediaTypes.OciManifest;

    public Descriptor ManifestDescriptor => Manifest.ToDescriptor(ManifestMediaType);

    public Platform Platform => new(Config.Value.Architecture, Config.Value.Os) { Variant = Config.Value.Variant };
}
