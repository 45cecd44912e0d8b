using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// An index of a tar file's regular entries (name → data offset and length), so blobs inside a tarball can be read
/// in place without extracting it. Symlinked entries (docker save links repeated layers) are resolved.
/// </summary>
internal sealed class TarIndex
{
    private readonly Dictionary<string, (long Offset, long Length)> files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> links = new(StringComparer.Ordinal);

    private TarIndex(string path) => TarPath = path;

    public string TarPath { get; }

    public static TarIndex Read(string path)
    {
        var index = new TarIndex(path);
        using var stream = File.OpenRead(path);
        foreach (var entry in TarWalker.Walk(stream, path))
        {
            var name = Normalize(entry.Name);
            if (entry.Type is '0' or '7')
            {
                index.files[name] = (entry.DataOffset, entry.Size);
            }
            else if (entry.Type is '1' or '2')
            {
                var target = entry.Type == '2' && !entry.LinkName.StartsWith('/')
                    ? Normalize((Path.GetDirectoryName(name) ?? string.Empty).Replace('\\', '/') + "/" + entry.LinkName)
                    : Normalize(entry.LinkName);
                index.links[name] = target;
            }
        }

        return index;
    }

    public bool Contains(string name) => Resolve(name) is not null;

    public Stream Open(string name)
    {
        var (offset, length) = Resolve(name) ?? throw new KtException(OciErrors.ArchiveIncomplete, $"Tarball '{TarPath}' has no entry '{name}'.");
        var file = new FileStream(TarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return new SubReadStream(file, offset, length);
    }

    public long LengthOf(string name) => (Resolve(name) ?? throw new KtException(OciErrors.ArchiveIncomplete, $"Tarball '{TarPath}' has no entry '{name}'.")).Length;

    public byte[] ReadAll(string name)
    {
        using var stream = Open(name);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }

    private (long Offset, long Length)? Resolve(string name)
    {
        name = Normalize(name);
        for (var hops = 0; hops < 16; hops++)
        {
            if (files.TryGetValue(name, out var found))
            {
                return found;
            }

            if (!links.TryGetValue(name, out var next))
            {
                return null;
            }

            name = next;
        }

        return null;
    }

    private static string Normalize(string name)
    {
        var parts = new List<string>();
        foreach (var part in name.Replace('\\', '/').Split('/'))
        {
            if (part is "" or ".")
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

        return string.Join('/', parts);
    }
}
