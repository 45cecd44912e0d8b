using System.Formats.Tar;
using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// Re-writes an existing uncompressed layer tar (e.g. a container's filesystem diff) under the
/// <see cref="LayerBuilder"/> rules — sorted, fixed mtimes, empty user/group names, ustar headers, deterministic gzip —
/// keeping whiteouts (<c>.wh.*</c>), symlinks, hardlinks (re-pointed so the link target always comes first) and device
/// nodes. Extended attributes and PAX records are dropped.
/// </summary>
/// <remarks>
/// By default owners and permission bits (including setuid/setgid) are preserved: they come from what the command
/// did, are deterministic already, and a package such as sudo breaks without them. Pass
/// <c>preservePermissions: false</c> to apply the builder's 0644/0755 and uid/gid 0 as well.
/// </remarks>
public static class LayerNormalizer
{
    /// <summary>Reads <paramref name="tarPath"/> into a builder holding the normalised entries (content read in place later).</summary>
    public static LayerBuilder Read(string tarPath, bool preservePermissions = true, DateTimeOffset? modificationTime = null)
    {
        if (!File.Exists(tarPath))
        {
            throw new KtException(OciErrors.ArchiveUnreadable, $"Layer tar '{tarPath}' does not exist.");
        }

        var entries = new Dictionary<string, LayerEntry>(StringComparer.Ordinal);
        using (var stream = File.OpenRead(tarPath))
        {
            try
            {
                // TarReader parses the metadata; TarWalker finds the data offsets of the same entries, in the same order.
                var locations = TarWalker.Walk(stream, tarPath);
                stream.Position = 0;
                using var reader = new TarReader(stream, leaveOpen: true);
                var index = 0;
                while (reader.GetNextEntry(copyData: false) is { } tarEntry)
                {
                    if (index >= locations.Count || locations[index].Name != tarEntry.Name)
                    {
                        throw new KtException(OciErrors.ArchiveUnreadable, $"'{tarPath}' could not be indexed consistently at entry '{tarEntry.Name}'.");
                    }

                    var location = locations[index++];
                    var path = TrimName(tarEntry.Name);
                    if (path.Length == 0)
                    {
                        continue;
                    }

                    entries[path] = Convert(tarEntry, path, location.DataOffset, tarPath, preservePermissions);
                }
            }
            catch (InvalidDataException e)
            {
                throw new KtException(OciErrors.ArchiveUnreadable, $"'{tarPath}' is not a readable tar archive: {e.Message}", e);
            }
        }

        var builder = new LayerBuilder(modificationTime);
        foreach (var entry in OrderHardlinks(entries))
        {
            builder.Add(entry);
        }

        return builder;
    }

    /// <summary>Normalises <paramref name="tarPath"/> and writes the gzip layer into <paramref name="cache"/>.</summary>
    public static Task<Layer> NormalizeAsync(string tarPath, BlobCache cache, bool preservePermissions = true, DateTimeOffset? modificationTime = null, CancellationToken cancellationToken = default) =>
        Read(tarPath, preservePermissions, modificationTime).BuildAsync(cache, cancellationToken);

    private static LayerEntry Convert(TarEntry tarEntry, string path, long dataOffset, string tarPath, bool preserve)
    {
        var mode = (int)tarEntry.Mode & 0b111_111_111_111;
        var kind = tarEntry.EntryType switch
        {
            TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile => TarEntryKind.File,
            TarEntryType.Directory => TarEntryKind.Directory,
            TarEntryType.SymbolicLink => TarEntryKind.Symlink,
            TarEntryType.HardLink => TarEntryKind.Hardlink,
            TarEntryType.CharacterDevice => TarEntryKind.CharacterDevice,
            TarEntryType.BlockDevice => TarEntryKind.BlockDevice,
            TarEntryType.Fifo => TarEntryKind.Fifo,
            var other => throw new KtException(OciErrors.UnsupportedTarEntry, $"Layer tar '{tarPath}' holds '{tarEntry.Name}' of unsupported type {other}."),
        };

        var size = kind == TarEntryKind.File ? tarEntry.Length : 0;
        Func<Stream>? open = size > 0 ? () => new SubReadStream(new FileStream(tarPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), dataOffset, size) : null;
        var normalizedMode = kind switch
        {
            TarEntryKind.Directory => 0b111_101_101,
            TarEntryKind.Symlink => 0b111_111_111,
            _ => (mode & 0b001_001_001) != 0 ? 0b111_101_101 : 0b110_100_100,
        };
        var (major, minor) = tarEntry is PosixTarEntry posix ? (posix.DeviceMajor, posix.DeviceMinor) : (0, 0);
        return new LayerEntry(path, kind, preserve ? mode : normalizedMode, size, open,
            kind == TarEntryKind.Hardlink ? TrimName(tarEntry.LinkName) : kind == TarEntryKind.Symlink ? tarEntry.LinkName : null)
        {
            Uid = preserve ? tarEntry.Uid : 0,
            Gid = preserve ? tarEntry.Gid : 0,
            DevMajor = major,
            DevMinor = minor,
        };
    }

    /// <summary>In sorted output a hardlink must follow the entry it links to: the first path of each group carries the content.</summary>
    private static IEnumerable<LayerEntry> OrderHardlinks(Dictionary<string, LayerEntry> entries)
    {
        var groups = entries.Values
            .Where(e => e.Kind == TarEntryKind.Hardlink && e.LinkTarget is not null && entries.TryGetValue(e.LinkTarget, out var t) && t.Kind == TarEntryKind.File)
            .GroupBy(e => e.LinkTarget!, StringComparer.Ordinal);
        var result = new Dictionary<string, LayerEntry>(entries, StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var target = entries[group.Key];
            var members = group.Select(e => e.Path).Append(target.Path).Order(StringComparer.Ordinal).ToList();
            var primary = members[0];
            if (primary == target.Path)
            {
                continue;
            }

            result[primary] = new LayerEntry(primary, TarEntryKind.File, target.Mode, target.Size, target.OpenContent, null) { Uid = target.Uid, Gid = target.Gid };
            foreach (var member in members.Skip(1))
            {
                var original = entries[member];
                result[member] = new LayerEntry(member, TarEntryKind.Hardlink, original.Mode, 0, null, primary) { Uid = original.Uid, Gid = original.Gid };
            }
        }

        return result.Values;
    }

    private static string TrimName(string name)
    {
        var trimmed = name.Replace('\\', '/');
        while (trimmed.StartsWith("./", StringComparison.Ordinal))
        {
            trimmed = trimmed[2..];
        }

        return trimmed.Trim('/') is "." ? string.Empty : trimmed.Trim('/');
    }
}
