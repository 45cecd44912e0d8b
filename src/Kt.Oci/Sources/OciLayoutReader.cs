using Kt.Core;

namespace Kt.Oci;

/// <summary>Reads an image out of an OCI layout given a way to read its files (a folder or a tarball).</summary>
internal static class OciLayoutReader
{
    public static async Task<OciImage> ReadAsync(
        Func<string, byte[]> readFile,
        IBlobSource blobs,
        string? refName,
        Platform? platform,
        string what,
        CancellationToken cancellationToken)
    {
        var index = OciJson.Parse<ImageIndex>(readFile("index.json"), $"index.json of {what}").Value;
        var candidates = index.Manifests;
        if (refName is not null)
        {
            candidates = [.. candidates.Where(m => NameMatches(m, refName))];
            if (candidates.Count == 0)
            {
                throw new KtException(OciErrors.NotALayout, $"{what} has no image named '{refName}' (org.opencontainers.image.ref.name).");
            }
        }

        var selected = candidates.Count == 1 ? candidates[0] : null;
        selected ??= new ImageIndex { Manifests = candidates }.SelectPlatform(platform ?? Platform.Default, what);
        while (MediaTypes.IsIndex(selected.MediaType))
        {
            var nested = OciJson.Parse<ImageIndex>(readFile(BlobPath(selected.Digest)), $"index {selected.Digest} of {what}").Value;
            selected = nested.SelectPlatform(platform ?? Platform.Default, what);
        }

        var manifest = OciJson.Parse<ImageManifest>(Verified(readFile(BlobPath(selected.Digest)), selected.Digest, what), $"manifest of {what}");
        await Task.CompletedTask.ConfigureAwait(false);
        return ImageFrom(manifest, d => Verified(readFile(BlobPath(d)), d, what), blobs, what);
    }

    public static OciImage ImageFrom(SerializedJson<ImageManifest> manifest, Func<Digest, byte[]> readBlob, IBlobSource blobs, string what)
    {
        var configDigest = manifest.Value.Config.Digest;
        var config = OciJson.Parse<ImageConfig>(readBlob(configDigest), $"config of {what}");
        var diffIds = config.Value.RootFs.DiffIds;
        if (diffIds.Count != manifest.Value.Layers.Count)
        {
            throw new KtException(OciErrors.BadDocument, $"{what}: the config lists {diffIds.Count} diff_ids for {manifest.Value.Layers.Count} layers.");
        }

        var layers = manifest.Value.Layers.Select((d, i) => new ImageLayer(d, diffIds[i], blobs)).ToList();
        return new OciImage(manifest, config, layers);
    }

    /// <summary>The OCI ref name, or (as Docker 25+ archives and containerd write) the full image name.</summary>
    private static bool NameMatches(Descriptor descriptor, string name)
    {
        if (descriptor.Annotations is not { } annotations)
        {
            return false;
        }

        if (annotations.GetValueOrDefault(OciLayoutWriter.RefNameAnnotation) == name)
        {
            return true;
        }

        return annotations.GetValueOrDefault(OciLayoutWriter.ContainerdNameAnnotation) is { } full
            && ImageReference.TryParse(full, out var left) && ImageReference.TryParse(name, out var right) && left == right;
    }

    public static string BlobPath(Digest digest) => $"blobs/{digest.Algorithm}/{digest.Hex}";

    public static byte[] Verified(byte[] bytes, Digest expected, string what)
    {
        var actual = Digest.Compute(bytes);
        return actual == expected
            ? bytes
            : throw new KtException(OciErrors.DigestMismatch, $"Digest mismatch in {what}: blob {expected} hashes to {actual}.");
    }
}
