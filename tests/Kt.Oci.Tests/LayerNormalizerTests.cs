using System.Formats.Tar;
using System.Text;
using Kt.Core;

namespace Kt.Oci.Tests;

public class LayerNormalizerTests
{
    private static readonly DateTimeOffset Fixed = DateTimeOffset.FromUnixTimeSeconds(1_600_000_000);

    [Fact]
    public async Task A_pax_diff_tar_is_rewritten_sorted_with_whiteouts_links_and_content_kept()
    {
        using var temp = new TempDirectory();
        var input = temp.Combine("diff.tar");
        WriteDiffTar(input, DateTimeOffset.FromUnixTimeSeconds(1_234_567_890), reverse: false);

        var layer = await LayerNormalizer.NormalizeAsync(input, new BlobCache(temp.Combine("cache")), modificationTime: Fixed);
        var items = TarInspection.ReadGzip(layer.BlobPath);

        Assert.Equal(items.Select(i => i.Name).Order(StringComparer.Ordinal), items.Select(i => i.Name));
        Assert.All(items, i => Assert.Equal(Fixed, i.MTime));
        Assert.All(items, i => Assert.Equal(("", ""), (i.UserName, i.GroupName)));
        Assert.Contains(items, i => i.Name == "etc/.wh.removed.conf" && i.Type == TarEntryType.RegularFile);
        Assert.Contains(items, i => i.Name == "opt/cache/.wh..wh..opq");
        Assert.Equal("../lib/tool", items.Single(i => i.Name == "usr/bin/tool").LinkName);

        // "usr/aaa-hard" sorts before its original "usr/zzz-original": the first one now carries the bytes.
        var primary = items.Single(i => i.Name == "usr/aaa-hard");
        var link = items.Single(i => i.Name == "usr/zzz-original");
        Assert.Equal((TarEntryType.RegularFile, "shared bytes"), (primary.Type, Encoding.UTF8.GetString(primary.Content)));
        Assert.Equal((TarEntryType.HardLink, "usr/aaa-hard"), (link.Type, link.LinkName));

        // Permissions and owners from the diff are preserved by default (setuid survives).
        var sudo = items.Single(i => i.Name == "usr/bin/sudo");
        Assert.Equal((UnixFileMode)0b100_111_101_101, sudo.Mode);
        Assert.Equal((0, 42), (sudo.Uid, sudo.Gid));
        Assert.Equal(new string('L', 70_000), Encoding.UTF8.GetString(items.Single(i => i.Name == "usr/lib/tool").Content));
        Assert.DoesNotContain("PaxHeaders", Encoding.ASCII.GetString(await DecompressAsync(layer.BlobPath)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inputs_differing_only_in_mtimes_and_order_normalise_to_the_same_digest()
    {
        using var temp = new TempDirectory();
        var first = temp.Combine("first.tar");
        var second = temp.Combine("second.tar");
        WriteDiffTar(first, DateTimeOffset.FromUnixTimeSeconds(1_000_000_000), reverse: false);
        WriteDiffTar(second, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), reverse: true);
        var cache = new BlobCache(temp.Combine("cache"));

        var a = await LayerNormalizer.NormalizeAsync(first, cache, modificationTime: Fixed);
        var b = await LayerNormalizer.NormalizeAsync(second, cache, modificationTime: Fixed);

        Assert.Equal(a.DiffId, b.DiffId);
        Assert.Equal(a.Digest, b.Digest);
    }

    [Fact]
    public async Task Without_permission_preservation_the_builder_rules_apply()
    {
        using var temp = new TempDirectory();
        var input = temp.Combine("diff.tar");
        WriteDiffTar(input, DateTimeOffset.UnixEpoch, reverse: false);

        var layer = await LayerNormalizer.NormalizeAsync(input, new BlobCache(temp.Combine("cache")), preservePermissions: false, modificationTime: Fixed);
        var sudo = TarInspection.ReadGzip(layer.BlobPath).Single(i => i.Name == "usr/bin/sudo");

        Assert.Equal(((UnixFileMode)0b111_101_101, 0, 0), (sudo.Mode, sudo.Uid, sudo.Gid));
    }

    [Fact]
    public void A_missing_tar_is_KT2040()
    {
        Assert.Equal("KT2040", Assert.Throws<KtException>(() => LayerNormalizer.Read("/nonexistent/diff.tar")).Code);
    }

    private static async Task<byte[]> DecompressAsync(string path)
    {
        await using var file = System.IO.File.OpenRead(path);
        await using var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress);
        using var memory = new MemoryStream();
        await gzip.CopyToAsync(memory);
        return memory.ToArray();
    }

    /// <summary>A diff like the one a container engine exports: PAX format, arbitrary order, real mtimes, whiteouts, links.</summary>
    private static void WriteDiffTar(string path, DateTimeOffset mtime, bool reverse)
    {
        var entries = new List<PaxTarEntry>
        {
            Dir("etc/", mtime),
            File("etc/app.conf", "key=value", 0b110_100_100, mtime),
            File("etc/.wh.removed.conf", "", 0b110_100_100, mtime),
            Dir("opt/", mtime),
            Dir("opt/cache/", mtime),
            File("opt/cache/.wh..wh..opq", "", 0b110_100_100, mtime),
            Dir("usr/", mtime),
            Dir("usr/bin/", mtime),
            Dir("usr/lib/", mtime),
            File("usr/lib/tool", new string('L', 70_000), 0b111_101_101, mtime),
            new(TarEntryType.SymbolicLink, "usr/bin/tool") { LinkName = "../lib/tool", ModificationTime = mtime },
            File("usr/bin/sudo", "sudo", 0b100_111_101_101, mtime, gid: 42),
            File("usr/zzz-original", "shared bytes", 0b110_100_100, mtime),
            new(TarEntryType.HardLink, "usr/aaa-hard") { LinkName = "usr/zzz-original", ModificationTime = mtime },
        };

        using var stream = System.IO.File.Create(path);
        using var writer = new TarWriter(stream, TarEntryFormat.Pax);
        if (reverse)
        {
            // Keep the hardlink after its target (as any real tar has it), reverse the rest.
            var hard = entries[^1];
            entries.RemoveAt(entries.Count - 1);
            entries.Reverse();
            entries.Add(hard);
        }

        foreach (var entry in entries)
        {
            writer.WriteEntry(entry);
        }
    }

    private static PaxTarEntry Dir(string name, DateTimeOffset mtime) =>
        new(TarEntryType.Directory, name) { Mode = (UnixFileMode)0b111_101_101, ModificationTime = mtime, UserName = "root" };

    private static PaxTarEntry File(string name, string content, int mode, DateTimeOffset mtime, int gid = 0) =>
        new(TarEntryType.RegularFile, name)
        {
            Mode = (UnixFileMode)mode,
            ModificationTime = mtime,
            Gid = gid,
            UserName = "someone",
            DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
        };
}
