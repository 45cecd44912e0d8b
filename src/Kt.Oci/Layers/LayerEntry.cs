namespace Kt.Oci;

/// <summary>
/// One entry of a layer being built: a normalised relative path, its kind, permission bits, owner, and for files a
/// way to open the content. Created through <see cref="LayerBuilder"/>.
/// </summary>
public sealed record LayerEntry
{
    internal LayerEntry(string path, TarEntryKind kind, int mode, long size, Func<Stream>? openContent, string? linkTarget)
    {
        Path = path;
        Kind = kind;
        Mode = mode;
        Size = size;
        OpenContent = openContent;
        LinkTarget = linkTarget;
    }

    /// <summary>Relative path inside the image, '/' separated, no leading '/' or './', no trailing '/'.</summary>
    public string Path { get; }

    public TarEntryKind Kind { get; }

    /// <summary>Permission bits written to the tar header (including setuid/setgid/sticky when preserved).</summary>
    public int Mode { get; init; }

    public int Uid { get; init; }

    public int Gid { get; init; }

    public long Size { get; }

    /// <summary>For symlinks the target as written; for hardlinks the path of the entry it links to.</summary>
    public string? LinkTarget { get; init; }

    public int DevMajor { get; init; }

    public int DevMinor { get; init; }

    internal Func<Stream>? OpenContent { get; }

    /// <summary>True for OCI whiteout markers (<c>.wh.name</c>, <c>.wh..wh..opq</c>).</summary>
    public bool IsWhiteout => System.IO.Path.GetFileName(Path).StartsWith(".wh.", StringComparison.Ordinal);
}
