using System.Runtime.InteropServices;

namespace Kt.Oci;

/// <summary>Hard links through libc (.NET has no API for them); callers fall back to copying when this returns false.</summary>
internal static partial class HardLink
{
    public static bool TryCreate(string existing, string newPath) => !OperatingSystem.IsWindows() && Link(existing, newPath) == 0;

    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Link(string oldPath, string newPath);
}
