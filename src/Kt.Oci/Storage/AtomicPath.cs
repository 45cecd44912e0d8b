namespace Kt.Oci;

/// <summary>Write-to-temp-then-rename helpers: an output either appears whole or not at all.</summary>
internal static class AtomicPath
{
    public static string TempSibling(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.tmp-{Guid.NewGuid():N}");

    /// <summary>Replaces <paramref name="target"/> (file or folder) with <paramref name="temp"/>.</summary>
    public static void ReplaceDirectory(string temp, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(temp, target);
            return;
        }

        // Directories cannot be swapped atomically: move the old one aside first, so the target is never half-written.
        var old = TempSibling(target) + ".old";
        Directory.Move(target, old);
        Directory.Move(temp, target);
        Directory.Delete(old, recursive: true);
    }

    public static void DeleteQuietly(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
