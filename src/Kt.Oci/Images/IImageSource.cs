namespace Kt.Oci;

/// <summary>Where a (base) image comes from: a registry, an OCI layout folder, or a tarball.</summary>
public interface IImageSource
{
    /// <summary>Human description for messages, e.g. <c>registry docker.io/library/debian:bookworm</c>.</summary>
    string Description { get; }

    /// <summary>Reads the image for <paramref name="platform"/> (default linux/amd64 when the source is an index).</summary>
    Task<OciImage> LoadAsync(Platform? platform = null, CancellationToken cancellationToken = default);
}
