using Kt.Core;
using Kt.Oci;

namespace Kt.ImageCompiler.Freezing;

/// <summary>Where a frozen image goes; any combination. Honours the SDK's container properties through Kt.MSBuild.</summary>
public sealed record ImageOutputs
{
    /// <summary>An OCI image layout folder.</summary>
    public string? LayoutPath { get; init; }

    /// <summary>A tarball that <c>docker load</c> and OCI tools both read (<c>ContainerArchiveOutputPath</c>).</summary>
    public string? ArchivePath { get; init; }

    /// <summary>Registry repository to push to (<c>ContainerRegistry/ContainerRepository</c>), without tag.</summary>
    public ImageReference? PushRepository { get; init; }

    /// <summary>Tags (<c>ContainerImageTags</c>); the first one is used for the archive and layout ref name.</summary>
    public IReadOnlyList<string> Tags { get; init; } = ["latest"];

    /// <summary>Load into the local engine under <see cref="PushRepository"/> (or the archive name) and the tags.</summary>
    public bool LoadIntoEngine { get; init; }

    /// <summary>The name used in the archive and the engine, e.g. <c>hello:1.0</c>.</summary>
    public string? LocalName { get; init; }
}

/// <summary>The result of writing a frozen image: its digest, and the digest-pinned reference when it was pushed.</summary>
public sealed record WrittenImage(Digest ManifestDigest, string? PinnedReference, long BytesUploaded);

/// <summary>Writes a frozen image to every output asked for; each output is written atomically by Kt.Oci.</summary>
public static class ImageOutputWriter
{
    public static async Task<WrittenImage> WriteAsync(OciImage image, ImageOutputs outputs, RegistryClient? registry = null,
        IContainerEngine? engine = null, CancellationToken cancellationToken = default)
    {
        var tag = outputs.Tags.Count > 0 ? outputs.Tags[0] : "latest";
        var localName = outputs.LocalName ?? (outputs.PushRepository is { } repo ? $"{repo.Repository}:{tag}" : $"kt-image:{tag}");
        if (outputs.LayoutPath is not null)
        {
            await OciLayoutWriter.WriteAsync(image, outputs.LayoutPath, tag, cancellationToken).ConfigureAwait(false);
        }

        var names = outputs.Tags.Select(t => ImageReference.Parse(localName).WithTag(t)).ToList();
        if (outputs.ArchivePath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputs.ArchivePath))!);
            await ImageTarballWriter.WriteFileAsync(image, outputs.ArchivePath, names, cancellationToken).ConfigureAwait(false);
        }

        if (outputs.LoadIntoEngine)
        {
            if (engine is null)
            {
                throw new KtException(ImageErrors.EngineRequired, "loading the image into the local engine needs a Docker engine, and none is available.");
            }

            var temp = Path.Combine(Path.GetTempPath(), $"kt-load-{Guid.NewGuid():N}.tar");
            try
            {
                await ImageTarballWriter.WriteFileAsync(image, temp, names, cancellationToken).ConfigureAwait(false);
                await using var stream = File.OpenRead(temp);
                await engine.LoadImageAsync(stream, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                File.Delete(temp);
            }
        }

        string? pinned = null;
        long uploaded = 0;
        if (outputs.PushRepository is { } repository)
        {
            if (registry is null)
            {
                throw new ArgumentNullException(nameof(registry), "pushing needs a registry client");
            }

            var before = registry.BytesUploaded;
            await new ImagePusher(registry).PushAsync(image, repository.WithTag(tag), outputs.Tags, cancellationToken).ConfigureAwait(false);
            uploaded = registry.BytesUploaded - before;
            pinned = $"{repository.Registry}/{repository.Repository}@{image.ManifestDigest}";
        }

        return new WrittenImage(image.ManifestDigest, pinned, uploaded);
    }
}
