namespace Kt.Oci;

/// <summary>Kinds of tar entries a layer may hold.</summary>
public enum TarEntryKind
{
    File,
    Directory,
    Symlink,
    Hardlink,
    CharacterDevice,
    BlockDevice,
    Fifo,
}
