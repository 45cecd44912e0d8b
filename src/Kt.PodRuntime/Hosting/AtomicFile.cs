using Microsoft.Win32.SafeHandles;

namespace Kt.PodRuntime.Hosting;

/// <summary>Writes a file so that readers see either the old or the new content, also across a crash: temp, fsync, rename.</summary>
public static class AtomicFile
{
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        FsyncDirectory(directory);
    }

    /// <summary>Makes a rename durable: the directory entry itself must reach the disk.</summary>
    public static void FsyncDirectory(string directory)
    {
        try
        {
            using SafeFileHandle handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Some file systems refuse fsync on directories; the rename is still atomic.
        }
    }
}
