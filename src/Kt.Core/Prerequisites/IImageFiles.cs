namespace Kt.Core;

/// <summary>
/// The files of an image as a step would see them: a base image's layers (read by a freeze) or a running pod's own
/// filesystem. Paths are absolute (<c>/usr/bin/python3</c>); symbolic links are followed as the kernel would.
/// </summary>
public interface IImageFiles
{
    /// <summary>Whether a file, link or folder exists at <paramref name="path"/>.</summary>
    bool Exists(string path);

    /// <summary>The names of the entries directly in <paramref name="folder"/> (empty when it does not exist).</summary>
    IEnumerable<string> Children(string folder);
}

/// <summary>The filesystem of the machine this code runs on: a pod checking its own image.</summary>
public sealed class LocalImageFiles : IImageFiles
{
    public static LocalImageFiles Instance { get; } = new();

    private LocalImageFiles()
    {
    }

    public bool Exists(string path) => File.Exists(path) || Directory.Exists(path);

    public IEnumerable<string> Children(string folder)
    {
        try
        {
            return Directory.Exists(folder) ? Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName).OfType<string>().ToList() : [];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
