using System.Runtime.InteropServices;

namespace Kt.PodRuntime.Sync;

/// <summary>
/// The POSIX calls .NET lacks here: hard links (a version tree shares its bytes with the blob store) and their count
/// (a blob only the store links to is garbage).
/// </summary>
internal static partial class NativeFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxNlink = 0x4;

    // statx(2) rather than stat(2): its buffer layout is the same on every architecture (stx_nlink at offset 16).
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directoryFd, string path, int flags, uint mask, byte* buffer);

    /// <summary>How many directory entries name this file; null when it cannot be read (gone, or no statx).</summary>
    public static unsafe uint? LinkCount(string path)
    {
        var buffer = stackalloc byte[256];
        try
        {
            return Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxNlink, buffer) == 0 ? *(uint*)(buffer + 16) : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null; // a libc without statx (glibc < 2.28): collect nothing rather than guess
        }
    }

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existingPath, string newPath);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string oldPath, string newPath);

    /// <summary>rename(2) on the entry itself (File.Move follows symlinks to directories and refuses them).</summary>
    public static void Rename(string oldPath, string newPath)
    {
        if (RenameNative(oldPath, newPath) != 0)
        {
            throw new IOException($"rename failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    public static bool TryHardLink(string existingPath, string newPath) => Link(existingPath, newPath) == 0;
}
