namespace Kt.Oci;

/// <summary>
/// Writes an image as one tarball that is both an OCI layout (<c>oci-archive:</c>) and a docker-archive
/// (<c>manifest.json</c> pointing at the same blobs), so Docker 20.10's <c>docker load</c>, skopeo and containerd all
/// accept it. The tar is written in one forward pass, so it can stream straight into an engine's load endpoint.
/// </summary>
public static class ImageTarballWriter
{
    /// <param name="repoTags">Names for <c>docker load</c> (e.g. <c>kt/app:dev</c>); the first one's tag also becomes the OCI ref name.</param>
    public static async Task WriteAsync(OciImage image, Stream output, IReadOnlyList<ImageReference> repoTags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(repoTags);
        var mtime = ReproducibleTime.Resolve().ToUnixTimeSeconds();
        var writer = new TarStreamWriter(output);

        await WriteBytesAsync(writer, "oci-layout", OciLayoutWriter.LayoutFileBytes, mtime, cancellationToken).ConfigureAwait(false);
        var first = repoTags.FirstOrDefault();
        var index = OciLayoutWriter.BuildIndex(image, first?.Tag, first?.ToString());
        await WriteBytesAsync(writer, "index.json", index.Bytes.ToArray(), mtime, cancellationToken).ConfigureAwait(false);

        var dockerManifest = new[]
        {
            new DockerArchiveManifest(
                BlobName(image.Config.Digest),
                repoTags.Count == 0 ? null : [.. repoTags.Select(t => t.WithTag(t.Tag ?? ImageReference.DefaultTag).ToString())],
                [.. image.Layers.Select(l => BlobName(l.Descriptor.Digest))]),
        };
        await WriteBytesAsync(writer, "manifest.json", OciJson.Serialize(dockerManifest).Bytes.ToArray(), mtime, cancellationToken).ConfigureAwait(false);

        await writer.WriteEntryAsync(new TarHeader("blobs", TarEntryKind.Directory, 0b111_101_101, 0, mtime), null, cancellationToken).ConfigureAwait(false);
        await writer.WriteEntryAsync(new TarHeader("blobs/sha256", TarEntryKind.Directory, 0b111_101_101, 0, mtime), null, cancellationToken).ConfigureAwait(false);
        await WriteBytesAsync(writer, BlobName(image.Config.Digest), image.Config.Bytes.ToArray(), mtime, cancellationToken).ConfigureAwait(false);
        await WriteBytesAsync(writer, BlobName(image.ManifestDigest), image.Manifest.Bytes.ToArray(), mtime, cancellationToken).ConfigureAwait(false);
        foreach (var layer in image.Layers.DistinctBy(l => l.Descriptor.Digest))
        {
            var header = new TarHeader(BlobName(layer.Descriptor.Digest), TarEntryKind.File, 0b110_100_100, layer.Descriptor.Size, mtime);
            await using var verifying = new VerifyingReadStream(layer, cancellationToken);
            try
            {
                await writer.WriteEntryAsync(header, verifying, cancellationToken).ConfigureAwait(false);
            }
            catch (Kt.Core.KtException e) when (e.Code == OciErrors.FileChangedWhileLayering)
            {
                throw new Kt.Core.KtException(OciErrors.DigestMismatch, $"Digest mismatch for layer {layer.Descriptor.Digest}: its source does not hold {layer.Descriptor.Size} bytes.", e);
            }

            verifying.ThrowIfMismatch();
        }

        await writer.FinishAsync(cancellationToken).ConfigureAwait(false);
        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A readable stream of the tarball, produced on a background task as the reader consumes it (bounded buffer): what
    /// <c>IContainerEngine.LoadImageAsync(Stream)</c> takes. A failure while producing surfaces on the reader's next read.
    /// </summary>
    public static Stream OpenRead(OciImage image, IReadOnlyList<ImageReference> repoTags, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(repoTags);
        var pipe = new System.IO.Pipelines.Pipe(new System.IO.Pipelines.PipeOptions(pauseWriterThreshold: 8 << 20, resumeWriterThreshold: 4 << 20));
        _ = Task.Run(async () =>
        {
            Exception? failure = null;
            try
            {
                await using var writer = pipe.Writer.AsStream(leaveOpen: true);
                await WriteAsync(image, writer, repoTags, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                failure = e;
            }

            await pipe.Writer.CompleteAsync(failure).ConfigureAwait(false);
        }, CancellationToken.None);
        return pipe.Reader.AsStream();
    }

    /// <summary>Writes the tarball to <paramref name="path"/> through a temp file renamed into place.</summary>
    public static async Task WriteFileAsync(OciImage image, string path, IReadOnlyList<ImageReference> repoTags, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = AtomicPath.TempSibling(target);
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                await WriteAsync(image, file, repoTags, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            AtomicPath.DeleteQuietly(temp);
            throw;
        }
    }

    private static string BlobName(Kt.Core.Digest digest) => $"blobs/sha256/{digest.Hex}";

    private static Task WriteBytesAsync(TarStreamWriter writer, string name, byte[] bytes, long mtime, CancellationToken cancellationToken) =>
        writer.WriteEntryAsync(new TarHeader(name, TarEntryKind.File, 0b110_100_100, bytes.Length, mtime), new MemoryStream(bytes, writable: false), cancellationToken);
}
