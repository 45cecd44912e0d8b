using System.Globalization;
using System.Text;
using Kt.Core;

namespace Kt.Oci;

/// <summary>One logical tar entry as located in the archive: name, type flag, link name, and where its data lies.</summary>
internal readonly record struct TarLocation(string Name, char Type, string LinkName, long DataOffset, long Size);

/// <summary>
/// Walks tar headers (ustar, GNU long names, PAX path/linkpath/size) to find where each entry's data lies, so that
/// entries can be read in place later. .NET's TarReader does not expose data offsets.
/// </summary>
internal static class TarWalker
{
    private const int Block = 512;

    public static List<TarLocation> Walk(Stream stream, string what)
    {
        var result = new List<TarLocation>();
        var header = new byte[Block];
        string? longName = null, longLink = null;
        Dictionary<string, string>? pax = null;
        Dictionary<string, string> globalPax = new(StringComparer.Ordinal);
        long position = 0;
        while (true)
        {
            stream.Position = position;
            if (stream.ReadAtLeast(header, Block, throwOnEndOfStream: false) < Block || header.All(b => b == 0))
            {
                return result;
            }

            var type = header[156] == 0 ? '0' : (char)header[156];
            var size = ParseNumber(header.AsSpan(124, 12), what);
            var dataOffset = position + Block;
            position = dataOffset + ((size + Block - 1) / Block * Block);
            switch (type)
            {
                case 'L':
                    longName = ReadString(stream, dataOffset, size);
                    continue;
                case 'K':
                    longLink = ReadString(stream, dataOffset, size);
                    continue;
                case 'x':
                    pax = ParsePax(ReadString(stream, dataOffset, size));
                    continue;
                case 'g':
                    foreach (var (key, value) in ParsePax(ReadString(stream, dataOffset, size)))
                    {
                        globalPax[key] = value;
                    }

                    continue;
            }

            var name = CString(header.AsSpan(0, 100));
            if (header.AsSpan(257, 6).SequenceEqual("ustar\0"u8) && header[345] != 0)
            {
                name = CString(header.AsSpan(345, 155)) + "/" + name;
            }

            var link = CString(header.AsSpan(157, 100));
            name = pax?.GetValueOrDefault("path") ?? globalPax.GetValueOrDefault("path") ?? longName ?? name;
            link = pax?.GetValueOrDefault("linkpath") ?? longLink ?? link;
            if (pax?.GetValueOrDefault("size") is { } paxSize)
            {
                size = long.Parse(paxSize, CultureInfo.InvariantCulture);
                position = dataOffset + ((size + Block - 1) / Block * Block);
            }

            var hasData = type is '0' or '7';
            result.Add(new TarLocation(name, type, link, dataOffset, hasData ? size : 0));
            longName = longLink = null;
            pax = null;
        }
    }

    private static string ReadString(Stream stream, long offset, long size)
    {
        if (size > 1 << 20)
        {
            throw new KtException(OciErrors.ArchiveUnreadable, "A tar metadata record is larger than 1 MiB.");
        }

        var bytes = new byte[size];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
    }

    private static Dictionary<string, string> ParsePax(string text)
    {
        var records = new Dictionary<string, string>(StringComparer.Ordinal);
        var bytes = Encoding.UTF8.GetBytes(text);
        var i = 0;
        while (i < bytes.Length)
        {
            var space = Array.IndexOf(bytes, (byte)' ', i);
            if (space < 0 || !int.TryParse(Encoding.ASCII.GetString(bytes, i, space - i), NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length <= 0)
            {
                break;
            }

            var record = Encoding.UTF8.GetString(bytes, space + 1, Math.Max(0, i + length - space - 2));
            var eq = record.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                records[record[..eq]] = record[(eq + 1)..];
            }

            i += length;
        }

        return records;
    }

    private static long ParseNumber(ReadOnlySpan<byte> field, string what)
    {
        if ((field[0] & 0x80) != 0)
        {
            long value = field[0] & 0x7F;
            foreach (var b in field[1..])
            {
                value = (value << 8) | b;
            }

            return value;
        }

        var text = Encoding.ASCII.GetString(field).Trim('\0', ' ');
        try
        {
            return text.Length == 0 ? 0 : System.Convert.ToInt64(text, 8);
        }
        catch (FormatException e)
        {
            throw new KtException(OciErrors.ArchiveUnreadable, $"{what} has a corrupt tar header (size field '{text}').", e);
        }
    }

    private static string CString(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
