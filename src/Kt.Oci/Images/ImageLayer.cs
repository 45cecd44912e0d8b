using Kt.Core;

namespace Kt.Oci;

/// <summary>A layer of an image: its descriptor, its diff id, where its bytes come from, and (when known) a registry
/// repository that already holds it, which lets a push mount it instead of uploading.</summary>
public sealed record ImageLayer(Descriptor Descriptor, Digest DiffId, IBlobSource Source)
{
    /// <summary>A repository known to hold this blob (e.g. the base image it was pulled from).</summary>
    public ImageReference? KnownIn { get; init; }

    public static ImageLayer FromLayer(Layer layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return new ImageLayer(layer.ToDescriptor(), layer.DiffId, new FileBlobSource(layer.BlobPath));
    }
}
