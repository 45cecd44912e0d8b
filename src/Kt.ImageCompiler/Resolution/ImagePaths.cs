namespace Kt.ImageCompiler.Resolution;

/// <summary>Path arithmetic inside the image (always '/', always absolute once resolved).</summary>
public static class ImagePaths
{
    public static string Join(string folder, string relative) =>
        Normalize(folder.TrimEnd('/') + "/" + relative.TrimStart('/'));

    /// <summary>Makes a destination absolute against the working directory in effect (Docker's rule; "/" when none).</summary>
    public static string Absolute(string destination, string? workingDirectory)
    {
        var trailingSlash = destination.EndsWith('/') || destination is "." or "./";
        var path = destination.StartsWith('/') ? destination : Join(workingDirectory ?? "/", destination);
        path = Normalize(path);
        return trailingSlash && path != "/" ? path + "/" : path;
    }

    public static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }

                continue;
            }

            parts.Add(part);
        }

        return "/" + string.Join('/', parts);
    }
}
