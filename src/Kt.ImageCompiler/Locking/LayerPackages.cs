using System.Formats.Tar;
using System.IO.Compression;

namespace Kt.ImageCompiler.Locking;

/// <summary>
/// What a command step's layer installed, read from the layer itself rather than from the command's output: Debian
/// packages (a package whose <c>var/lib/dpkg/info/&lt;name&gt;.list</c> is in the layer, its version from the layer's
/// <c>var/lib/dpkg/status</c>), Python distributions (<c>*.dist-info/METADATA</c>) and .NET tools
/// (<c>.store/&lt;id&gt;/&lt;version&gt;/</c> under a tool path).
/// </summary>
public sealed record LayerPackages(IReadOnlyList<LockedPackage> Apt, IReadOnlyList<LockedPackage> Pip, IReadOnlyList<LockedPackage> Tools)
{
    public static async Task<LayerPackages> ReadAsync(string layerBlob, string mediaType, CancellationToken cancellationToken)
    {
        var touched = new SortedSet<string>(StringComparer.Ordinal);
        string? status = null;
        var pip = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var tools = new SortedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        await using var file = File.OpenRead(layerBlob);
        await using Stream tar = mediaType.EndsWith("gzip", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        await using var reader = new TarReader(tar);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            var path = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name.TrimStart('/');
            var name = Path.GetFileName(path.TrimEnd('/'));
            if (path == "var/lib/dpkg/status" && entry.DataStream is { } statusData)
            {
                status = await new StreamReader(statusData).ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (path.StartsWith("var/lib/dpkg/info/", StringComparison.Ordinal) && name.EndsWith(".list", StringComparison.Ordinal)
                     && !name.StartsWith(".wh.", StringComparison.Ordinal))
            {
                touched.Add(name[..^".list".Length].Split(':')[0]);
            }
            else if (name == "METADATA" && path.Contains(".dist-info/", StringComparison.Ordinal) && entry.DataStream is { } metadata)
            {
                var headers = Headers(await new StreamReader(metadata).ReadToEndAsync(cancellationToken).ConfigureAwait(false));
                if (headers.TryGetValue("Name", out var distribution) && headers.TryGetValue("Version", out var version))
                {
                    pip[distribution] = version;
                }
            }
            else if (StoreEntry(path) is { } tool)
            {
                tools[tool.Name] = tool.Version;
            }
        }

        var installed = status is null ? new Dictionary<string, string>() : InstalledVersions(status);
        var apt = touched.Where(installed.ContainsKey).Select(p => new LockedPackage(p, installed[p])).ToList();
        return new LayerPackages(apt, [.. pip.Select(p => new LockedPackage(p.Key, p.Value))], [.. tools.Select(t => new LockedPackage(t.Key, t.Value))]);
    }

    public bool IsEmpty => Apt.Count == 0 && Pip.Count == 0 && Tools.Count == 0;

    /// <summary>dpkg's status file: paragraphs of <c>Field: value</c>; only packages whose status is "install ok installed".</summary>
    private static Dictionary<string, string> InstalledVersions(string status)
    {
        var versions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var paragraph in status.Replace("\r", "", StringComparison.Ordinal).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = Headers(paragraph);
            if (fields.TryGetValue("Package", out var package) && fields.TryGetValue("Version", out var version)
                && fields.GetValueOrDefault("Status") == "install ok installed")
            {
                versions[package] = version;
            }
        }

        return versions;
    }

    /// <summary>RFC 822-style headers up to the first blank line (dpkg status paragraphs, Python core metadata).</summary>
    private static Dictionary<string, string> Headers(string text)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                break;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && !char.IsWhiteSpace(line[0]))
            {
                headers.TryAdd(line[..colon], line[(colon + 1)..].Trim());
            }
        }

        return headers;
    }

    /// <summary><c>…/.store/&lt;id&gt;/&lt;version&gt;/…</c>: where <c>dotnet tool install --tool-path</c> keeps a tool's package.</summary>
    private static (string Name, string Version)? StoreEntry(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var store = Array.IndexOf(parts, ".store");
        return store >= 0 && parts.Length > store + 3 && !parts[store + 1].StartsWith('.') ? (parts[store + 1], parts[store + 2]) : null;
    }
}
