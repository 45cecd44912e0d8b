using System.Runtime.InteropServices;

namespace Kt.PodRuntime.Sync;

/// <summary>The one POSIX call .NET lacks here: hard links (a version tree shares its bytes with the blob store).</summary>
internal static partial class NativeFiles
{
    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existingPath, string newPath);

    public static bool TryHardLink(string existingPath, string newPath) => Link(existingPath, newPath) == 0;
}
