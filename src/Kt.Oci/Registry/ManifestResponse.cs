using Kt.Core;

namespace Kt.Oci;

/// <summary>A manifest or index as received: its media type, exact bytes and their digest.</summary>
public sealed record ManifestResponse(string MediaType, ReadOnlyMemory<byte> Bytes, Digest Digest)
{
    public bool IsIndex => MediaTypes.IsIndex(MediaType);
}
