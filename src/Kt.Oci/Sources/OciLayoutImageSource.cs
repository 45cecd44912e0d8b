using Kt.Core;

namespace Kt.Oci;

/// <summary>An image in an OCI image layout folder (e.g. written by <see cref="OciLayoutWriter"/>, skopeo or umoci).</summary>
/// <param name="Directory">The layout folder (holding <c>oci-layout</c> and <c>index.json</c>).</param>
/// <param name="RefName">The <c>org.opencontainers.image.ref.name</c> to pick, or null for the only/platform-matching one.</param>
public sealed record OciLayoutImageSource(string Directory, string? RefName = null) : IImageSource, IBlobSource
{
    public string Description => $"OCI layout {Directory}{(RefName is null ? string.Empty : ":" + RefName)}";

    public Task<OciImage> LoadAsync(Platform? platform = null, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path.Combine(Directory, "index.json")))
        {
            throw new KtException(OciErrors.NotALayout, $"'{Directory}' is not an OCI image layout (no index.json).");
        }

        return OciLayoutReader.ReadAsync(name => File.ReadAllBytes(Path.Combine(Directory, name)), this, RefName, platform, Description, cancellationToken);
    }

    public Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var path = Path.Combine(Directory, OciLayoutReader.BlobPath(descriptor.Digest));
        return File.Exists(path)
            ? Task.FromResult<Stream>(File.OpenRead(path))
            : throw new KtException(OciErrors.ArchiveIncomplete, $"{Description} lacks blob {descriptor.Digest}.");
    }
}
