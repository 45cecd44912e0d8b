using System.Formats.Tar;
using System.IO.Compression;
using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// The files an image's layers leave, read from the layer tars (whiteouts applied, symbolic links followed on
/// lookup): what a step of a definition built on this image finds before any step runs.
/// </summary>
public sealed class ImageFileList : IImageFiles
{
    private const int MaxLinkHops = 16;

    // path ("/usr/bin/python3") → link target for a symbolic link, else null
    private readonly Dictionary<string, string?> _entries;

    private ImageFileList(Dictionary<string, string?> entries) => _entries = entries;

    /// <summary>How many paths the layers leave.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// Reads every layer of <paramref name="image"/>; null when a layer is compressed in a way read nowhere else here
    /// (zstd), so a caller knows nothing rather than something wrong.
    /// </summary>
    public static async Task<ImageFileList?> ReadAsync(OciImage image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        var entries = new Dictionary<string, string?>(StringComparer.Ordinal) { ["/"] = null };
        foreach (var layer in image.Layers)
        {
            var mediaType = layer.Descriptor.MediaType;
            if (mediaType.Contains("zstd", StringComparison.Ordinal))
            {
                return null;
            }

            await using var blob = await layer.Source.OpenBlobAsync(layer.Descriptor, cancellationToken).ConfigureAwait(false);
            await using var tar = mediaType.EndsWith("gzip", StringComparison.Ordinal) ? new GZipStream(blob, CompressionMode.Decompress) : blob;
            await ApplyLayerAsync(entries, tar, cancellationToken).ConfigureAwait(false);
        }

        return new ImageFileList(entries);
    }

    public bool Exists(string path) => Resolve(path) is not null;

    public IEnumerable<string> Children(string folder)
    {
        if (Resolve(folder) is not { } resolved)
        {
            return [];
        }

        var prefix = resolved == "/" ? "/" : resolved + "/";
        return _entries.Keys
            .Where(p => p.Length > prefix.Length && p.StartsWith(prefix, StringComparison.Ordinal) && p.IndexOf('/', prefix.Length) < 0)
            .Select(p => p[prefix.Length..])
            .ToList();
    }

    // A layer's whiteouts hide what the layers below left; its own entries are then added (OCI image spec, layer changesets).
    private static async Task ApplyLayerAsync(Dictionary<string, string?> entries, Stream tar, CancellationToken cancellationToken)
    {
        var added = new List<(string Path, string? Link)>();
        var reader = new TarReader(tar);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                var path = Normalize(entry.Name);
                if (path is null)
                {
                    continue;
                }

                var name = path[(path.LastIndexOf('/') + 1)..];
                var parent = path.LastIndexOf('/') is > 0 and var slash ? path[..slash] : "/";
                if (name == ".wh..wh..opq")
                {
                    RemoveUnder(entries, parent, keepFolder: true);
                }
                else if (name.StartsWith(".wh.", StringComparison.Ordinal))
                {
                    RemoveUnder(entries, (parent == "/" ? "" : parent) + "/" + name[4..], keepFolder: false);
                }
                else
                {
                    added.Add((path, entry.EntryType == TarEntryType.SymbolicLink ? entry.LinkName : null));
                }
            }
        }

        foreach (var (path, link) in added)
        {
            for (var parent = Parent(path); parent is not null && entries.TryAdd(parent, null); parent = Parent(parent))
            {
            }

            entries[path] = link;
        }
    }

    private static void RemoveUnder(Dictionary<string, string?> entries, string path, bool keepFolder)
    {
        var prefix = path == "/" ? "/" : path + "/";
        foreach (var key in entries.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) || (!keepFolder && k == path)).ToList())
        {
            entries.Remove(key);
        }
    }

    /// <summary>The path with every symbolic link in it followed, or null when some part does not exist.</summary>
    private string? Resolve(string path)
    {
        var pending = new Queue<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var current = "/";
        var hops = 0;
        while (pending.TryDequeue(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Parent(current) ?? "/";
                continue;
            }

            var next = current == "/" ? "/" + part : current + "/" + part;
            if (!_entries.TryGetValue(next, out var link))
            {
                return null;
            }

            if (link is null)
            {
                current = next;
                continue;
            }

            if (++hops > MaxLinkHops)
            {
                return null;
            }

            // The link's target replaces it: absolute from the root, relative from the link's folder.
            var rest = pending.ToList();
            pending = new Queue<string>(link.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(rest));
            if (link.StartsWith('/'))
            {
                current = "/";
            }
        }

        return current;
    }

    private static string? Normalize(string name)
    {
        var trimmed = name.Replace('\\', '/');
        while (trimmed.StartsWith("./", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        trimmed = trimmed.Trim('/');
        return trimmed.Length == 0 || trimmed == "." ? null : "/" + trimmed;
    }

    private static string? Parent(string path) => path == "/" ? null : path.LastIndexOf('/') is > 0 and var slash ? path[..slash] : "/";
}
