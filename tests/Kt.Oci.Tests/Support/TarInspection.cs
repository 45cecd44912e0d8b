using System.Formats.Tar;
using System.IO.Compression;

namespace Kt.Oci.Tests;

/// <summary>Reads a layer back with .NET's own tar reader (an independent parser) for assertions.</summary>
public sealed record TarItem(string Name, TarEntryType Type, UnixFileMode Mode, int Uid, int Gid, string UserName, string GroupName, DateTimeOffset MTime, string LinkName, byte[] Content);

public static class TarInspection
{
    public static List<TarItem> ReadGzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        return Read(gzip);
    }

    public static List<TarItem> Read(Stream stream)
    {
        var items = new List<TarItem>();
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry() is { } entry)
        {
            var content = Array.Empty<byte>();
            if (entry.DataStream is { } data)
            {
                using var memory = new MemoryStream();
                data.CopyTo(memory);
                content = memory.ToArray();
            }

            var posix = entry as PosixTarEntry;
            items.Add(new TarItem(entry.Name, entry.EntryType, entry.Mode, entry.Uid, entry.Gid, posix?.UserName ?? string.Empty, posix?.GroupName ?? string.Empty, entry.ModificationTime, entry.LinkName, content));
        }

        return items;
    }
}
