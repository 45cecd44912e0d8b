using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// An image in a registry. <see cref="LoadAsync"/> reads manifest and config and leaves layers to be fetched on first
/// use (into the blob cache); <see cref="PullAsync"/> fetches every layer up front. Layers remember the repository
/// they came from, so pushing to another repository of the same registry mounts them.
/// </summary>
public sealed class RegistryImageSource(RegistryClient client, ImageReference reference, BlobCache cache) : IImageSource
{
    public ImageReference Reference => reference;

    public string Description => $"registry image {reference}";

    public async Task<OciImage> LoadAsync(Platform? platform = null, CancellationToken cancellationToken = default)
    {
        var manifest = await client.GetImageManifestAsync(reference, platform, cancellationToken).ConfigureAwait(false);
        var configPath = await client.PullBlobAsync(reference, manifest.Value.Config, cache, cancellationToken).ConfigureAwait(false);
        var config = OciJson.Parse<ImageConfig>(await File.ReadAllBytesAsync(configPath, cancellationToken).ConfigureAwait(false), $"config of {reference}");
        var diffIds = config.Value.RootFs.DiffIds;
        if (diffIds.Count != manifest.Value.Layers.Count)
        {
            throw new KtException(OciErrors.BadDocument, $"{reference}: the config lists {diffIds.Count} diff_ids for {manifest.Value.Layers.Count} layers.");
        }

        var blobs = new RegistryBlobSource(client, reference, cache);
        var layers = manifest.Value.Layers.Select((d, i) => new ImageLayer(d, diffIds[i], blobs) { KnownIn = reference }).ToList();
        return new OciImage(manifest, config, layers);
    }

    /// <summary>Loads the image and downloads all its layers into the cache (verified), in parallel.</summary>
    public async Task<OciImage> PullAsync(Platform? platform = null, CancellationToken cancellationToken = default)
    {
        var image = await LoadAsync(platform, cancellationToken).ConfigureAwait(false);
        var paths = new string[image.Layers.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, image.Layers.Count),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, client.Options.MaxParallelTransfers), CancellationToken = cancellationToken },
            async (i, ct) => paths[i] = await client.PullBlobAsync(reference, image.Layers[i].Descriptor, cache, ct).ConfigureAwait(false)).ConfigureAwait(false);
        var layers = image.Layers.Select((l, i) => l with { Source = new FileBlobSource(paths[i]) }).ToList();
        return new OciImage(image.Manifest, image.Config, layers);
    }
}

/// <summary>Reads a registry blob through the blob cache (downloaded and verified once, then reused).</summary>
public sealed record RegistryBlobSource(RegistryClient Client, ImageReference Repository, BlobCache Cache) : IBlobSource
{
    public async Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken = default)
    {
        var path = await Client.PullBlobAsync(Repository, descriptor, Cache, cancellationToken).ConfigureAwait(false);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }
}
