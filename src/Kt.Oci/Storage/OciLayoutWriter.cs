namespace Kt.Oci;

/// <summary>
/// Writes an image as an OCI image layout folder (<c>oci-layout</c>, <c>index.json</c>, <c>blobs/sha256/</c>),
/// built in a temp folder beside the target and renamed into place; on failure nothing is left behind.
/// </summary>
public static class OciLayoutWriter
{
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    /// <summary>The full image name containerd (and Docker with the containerd store) reads when loading.</summary>
    public const string ContainerdNameAnnotation = "io.containerd.image.name";
    internal static readonly byte[] LayoutFileBytes = "{\"imageLayoutVersion\":\"1.0.0\"}"u8.ToArray();

    /// <param name="refName">The tag for <c>org.opencontainers.image.ref.name</c> (what <c>oci:dir:TAG</c> selects), or null.</param>
    public static async Task WriteAsync(OciImage image, string directory, string? refName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = AtomicPath.TempSibling(target);
        try
        {
            var blobs = Path.Combine(temp, "blobs", "sha256");
            Directory.CreateDirectory(blobs);
            await File.WriteAllBytesAsync(Path.Combine(temp, "oci-layout"), LayoutFileBytes, cancellationToken).ConfigureAwait(false);
            foreach (var layer in image.Layers.DistinctBy(l => l.Descriptor.Digest))
            {
                var destination = Path.Combine(blobs, layer.Descriptor.Digest.Hex);
                if (ReusePreviousBlob(target, layer.Descriptor, destination))
                {
                    continue;
                }

                await using var file = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
                await VerifiedCopy.CopyAsync(layer.Source, layer.Descriptor, file, cancellationToken).ConfigureAwait(false);
            }

            await File.WriteAllBytesAsync(Path.Combine(blobs, image.Config.Digest.Hex), image.Config.Bytes.ToArray(), cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(blobs, image.ManifestDigest.Hex), image.Manifest.Bytes.ToArray(), cancellationToken).ConfigureAwait(false);
            await File.WriteAllBytesAsync(Path.Combine(temp, "index.json"), BuildIndex(image, refName, null).Bytes.ToArray(), cancellationToken).ConfigureAwait(false);
            AtomicPath.ReplaceDirectory(temp, target);
        }
        catch
        {
            AtomicPath.DeleteQuietly(temp);
            throw;
        }
    }

    /// <summary>
    /// A rewrite of the same layout (the freeze loop) shares the blobs it already has: the previous layout's file of the
    /// same digest and size is hard-linked into the new one instead of being copied and hashed again. The previous
    /// layout stays intact until the new one replaces it.
    /// </summary>
    private static bool ReusePreviousBlob(string previousLayout, Descriptor descriptor, string destination)
    {
        var previous = Path.Combine(previousLayout, "blobs", descriptor.Digest.Algorithm, descriptor.Digest.Hex);
        if (OperatingSystem.IsWindows() || !File.Exists(previous) || new FileInfo(previous).Length != descriptor.Size)
        {
            return false;
        }

        return HardLink.TryCreate(previous, destination);
    }

    internal static SerializedJson<ImageIndex> BuildIndex(OciImage image, string? refName, string? fullName)
    {
        var annotations = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(refName))
        {
            annotations[RefNameAnnotation] = refName;
        }

        if (!string.IsNullOrEmpty(fullName))
        {
            // containerd (and Docker with the containerd store) names loaded images from this annotation.
            annotations[ContainerdNameAnnotation] = fullName;
        }

        var descriptor = image.ManifestDescriptor with { Annotations = annotations.Count == 0 ? null : annotations };
        return OciJson.Serialize(new ImageIndex { Manifests = [descriptor] });
    }
}
