using Kt.Core;

namespace Kt.Oci;

/// <summary>What a push did.</summary>
/// <param name="ManifestDigest">The pushed manifest's digest (pin deployments to <c>repo@digest</c>).</param>
/// <param name="References">The references written (one per tag).</param>
/// <param name="LayersUploaded">Layers whose bytes were sent.</param>
/// <param name="LayersSkipped">Layers the registry already had (HEAD answered 200).</param>
/// <param name="LayersMounted">Layers mounted from another repository of the same registry.</param>
/// <param name="BytesUploaded">Blob bytes sent during this push (layers and config, retries included).</param>
public sealed record PushResult(
    Digest ManifestDigest,
    IReadOnlyList<ImageReference> References,
    int LayersUploaded,
    int LayersSkipped,
    int LayersMounted,
    long BytesUploaded);
