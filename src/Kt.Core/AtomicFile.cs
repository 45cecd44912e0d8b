using Microsoft.Win32.SafeHandles;

namespace Kt.Core;

/// <summary>
/// Writes a file so that readers see either the old or the new content: a temp file beside it, then one rename.
/// Durable writes (the pod's journal and pointers) also fsync the file and its folder, so a crash keeps one of them.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string content, bool durable = false) =>
        WriteAllBytes(path, System.Text.Encoding.UTF8.GetBytes(content), durable);

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: durable);
        }

        File.Move(temp, path, overwrite: true);
        if (durable)
        {
            FsyncDirectory(directory);
        }
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
