using System.Runtime.InteropServices;

namespace Kt.PodRuntime.Sync;

/// <summary>The one POSIX call .NET lacks here: hard links (a version tree shares its bytes with the blob store).</summary>
internal static partial class NativeFiles
{
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
