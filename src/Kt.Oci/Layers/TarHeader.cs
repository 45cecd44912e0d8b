namespace Kt.Oci;

/// <summary>The fields Kt writes for one tar entry; everything else in the header is constant.</summary>
internal readonly record struct TarHeader(
    string Name,
    TarEntryKind Kind,
    int Mode,
    long Size,
    long ModificationTime,
    string? LinkName = null,
    int Uid = 0,
    int Gid = 0,
    int DevMajor = 0,
    int DevMinor = 0);
