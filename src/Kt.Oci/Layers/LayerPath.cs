using Kt.Core;

namespace Kt.Oci;

/// <summary>Normalises paths inside an image: '/' separated, relative, no '.', no '..', no empty segments.</summary>
internal static class LayerPath
{
    public static string Normalize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var segments = new List<string>();
        foreach (var segment in path.Replace('\\', '/').Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                throw new KtException(OciErrors.BadLayerPath, $"Layer path '{path}' must not contain '..'.");
            }

            segments.Add(segment);
        }

        if (segments.Count == 0)
        {
            throw new KtException(OciErrors.BadLayerPath, $"Layer path '{path}' names the root; give a file or folder below it.");
        }

        return string.Join('/', segments);
    }

    public static IEnumerable<string> Ancestors(string path)
    {
        for (var slash = path.IndexOf('/', StringComparison.Ordinal); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            yield return path[..slash];
        }
    }
}
