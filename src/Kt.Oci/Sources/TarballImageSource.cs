using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// An image in a tarball: an OCI layout inside a tar (<c>oci-archive</c>), or a docker-archive with
/// <c>manifest.json</c> (what <c>docker save</c> writes). Blobs are read in place, never extracted.
/// When both forms are present the OCI index wins.
/// </summary>
public sealed class TarballImageSource : IImageSource, IBlobSource
{
    private readonly Lazy<TarIndex> index;
    private readonly Dictionary<Digest, string> dockerLayerEntries = [];

    /// <param name="path">The tarball.</param>
    /// <param name="name">For OCI: the ref name; for docker-archive: a RepoTag (e.g. <c>kt-test/debian:bookworm</c>); null = the only/first image.</param>
    public TarballImageSource(string path, string? name = null)
    {
        Path = path;
        Name = name;
        index = new Lazy<TarIndex>(() => File.Exists(path)
            ? TarIndex.Read(path)
            : throw new KtException(OciErrors.ArchiveUnreadable, $"Image tarball '{path}' does not exist."));
    }

    public string Path { get; }

    public string? Name { get; }

    public string Description => $"tarball {Path}";

    public Task<OciImage> LoadAsync(Platform? platform = null, CancellationToken cancellationToken = default)
    {
        var tar = index.Value;
        if (tar.Contains("index.json") && tar.Contains("oci-layout"))
        {
            return OciLayoutReader.ReadAsync(tar.ReadAll, this, Name, platform, Description, cancellationToken);
        }

        if (tar.Contains("manifest.json"))
        {
            return Task.FromResult(LoadDockerArchive(tar));
        }

        throw new KtException(OciErrors.ArchiveUnreadable, $"'{Path}' is neither an OCI archive (index.json) nor a docker-archive (manifest.json).");
    }

    public Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var name = dockerLayerEntries.GetValueOrDefault(descriptor.Digest) ?? OciLayoutReader.BlobPath(descriptor.Digest);
        return Task.FromResult(index.Value.Open(name));
    }

    private OciImage LoadDockerArchive(TarIndex tar)
    {
        var entries = OciJson.Parse<DockerArchiveManifest[]>(tar.ReadAll("manifest.json"), $"manifest.json of {Description}").Value;
        var entry = Name is null
            ? entries.FirstOrDefault()
            : entries.FirstOrDefault(e => e.RepoTags?.Any(t => t == Name || SameReference(t, Name)) == true);
        if (entry is null)
        {
            throw new KtException(OciErrors.NotALayout, $"{Description} has no image{(Name is null ? string.Empty : $" tagged '{Name}'")}.");
        }

        var configBytes = tar.ReadAll(entry.Config);
        var config = OciJson.Parse<ImageConfig>(configBytes, $"config of {Description}");
        var diffIds = config.Value.RootFs.DiffIds;
        if (diffIds.Count != entry.Layers.Count)
        {
            throw new KtException(OciErrors.BadDocument, $"{Description}: the config lists {diffIds.Count} diff_ids for {entry.Layers.Count} layers.");
        }

        var layers = new List<ImageLayer>();
        for (var i = 0; i < entry.Layers.Count; i++)
        {
            var descriptor = DescribeLayer(tar, entry.Layers[i], diffIds[i]);
            dockerLayerEntries[descriptor.Digest] = entry.Layers[i];
            layers.Add(new ImageLayer(descriptor, diffIds[i], this));
        }

        // docker-archive has no manifest: synthesise an OCI one over the exact config bytes.
        var manifest = OciJson.Serialize(new ImageManifest
        {
            Config = new Descriptor(MediaTypes.OciConfig, Digest.Compute(configBytes), configBytes.LongLength),
            Layers = [.. layers.Select(l => l.Descriptor)],
        });
        return new OciImage(manifest, config, layers);
    }

    private static Descriptor DescribeLayer(TarIndex tar, string name, Digest diffId)
    {
        var length = tar.LengthOf(name);
        byte[] magic = new byte[2];
        using (var stream = tar.Open(name))
        {
            stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        }

        if (magic[0] != 0x1f || magic[1] != 0x8b)
        {
            // Uncompressed layer: its digest is its diff id (checked whenever the bytes are copied).
            return new Descriptor(MediaTypes.OciLayer, diffId, length);
        }

        var fileName = System.IO.Path.GetFileName(name);
        var digest = name.StartsWith("blobs/sha256/", StringComparison.Ordinal) && Digest.TryParse("sha256:" + fileName, out var named)
            ? named
            : HashEntry(tar, name);
        return new Descriptor(MediaTypes.OciLayerGzip, digest, length);
    }

    private static Digest HashEntry(TarIndex tar, string name)
    {
        using var stream = tar.Open(name);
        return Digest.ComputeAsync(stream).GetAwaiter().GetResult();
    }

    private static bool SameReference(string a, string b) =>
        ImageReference.TryParse(a, out var left) && ImageReference.TryParse(b, out var right) && left == right;
}
