using System.Formats.Tar;
using System.Text;
using Kt.Core;

namespace Kt.Oci.Tests;

public class LayerBuilderTests
{
    private static readonly DateTimeOffset Fixed = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Fact]
    public async Task Same_content_from_two_folders_with_different_mtimes_and_creation_order_gives_identical_bytes()
    {
        using var temp = new TempDirectory();
        var first = temp.Combine("one");
        var second = temp.Combine("two");
        WriteTree(first, reverse: false, mtime: new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        WriteTree(second, reverse: true, mtime: new DateTime(2024, 6, 6, 6, 6, 6, DateTimeKind.Utc));
        var cacheA = new BlobCache(temp.Combine("cacheA"));
        var cacheB = new BlobCache(temp.Combine("cacheB"));

        var a = await new LayerBuilder(Fixed).AddTree(first, "/app").BuildAsync(cacheA);
        var b = await new LayerBuilder(Fixed).AddTree(second, "app").BuildAsync(cacheB);

        Assert.Equal(a.Digest, b.Digest);
        Assert.Equal(a.DiffId, b.DiffId);
        Assert.Equal(File.ReadAllBytes(a.BlobPath), File.ReadAllBytes(b.BlobPath));
        Assert.Equal(a.Digest, await Digest.ComputeFileAsync(a.BlobPath));
        Assert.Equal(a.Size, new FileInfo(a.BlobPath).Length);
        Assert.Equal(MediaTypes.OciLayerGzip, a.MediaType);
    }

    [Fact]
    public async Task Entries_are_sorted_with_parents_fixed_mtime_root_owner_and_normalised_modes()
    {
        using var temp = new TempDirectory();
        var script = temp.Combine("run.sh");
        File.WriteAllText(script, "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var data = temp.Combine("data.txt");
        File.WriteAllText(data, "data");
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite);

        var layer = await new LayerBuilder(Fixed)
            .AddFile("/z/bin/run.sh", script)
            .AddFile("a/data.txt", data)
            .AddBytes("./m/inline.txt", "inline"u8.ToArray())
            .AddSymlink("a/link", "data.txt")
            .AddDirectory("empty")
            .BuildAsync(new BlobCache(temp.Combine("cache")));

        var items = TarInspection.ReadGzip(layer.BlobPath);
        Assert.Equal(["a/", "a/data.txt", "a/link", "empty/", "m/", "m/inline.txt", "z/", "z/bin/", "z/bin/run.sh"], items.Select(i => i.Name));
        Assert.All(items, i => Assert.Equal(Fixed, i.MTime));
        Assert.All(items, i => Assert.Equal((0, 0, "", ""), (i.Uid, i.Gid, i.UserName, i.GroupName)));
        Assert.Equal(Mode(0b111_101_101), items.Single(i => i.Name == "z/bin/run.sh").Mode);
        Assert.Equal(Mode(0b110_100_100), items.Single(i => i.Name == "a/data.txt").Mode);
        Assert.Equal(Mode(0b111_101_101), items.Single(i => i.Name == "z/bin/").Mode);
        Assert.Equal(("data.txt", TarEntryType.SymbolicLink), (items.Single(i => i.Name == "a/link").LinkName, items.Single(i => i.Name == "a/link").Type));
        Assert.Equal("inline", Encoding.UTF8.GetString(items.Single(i => i.Name == "m/inline.txt").Content));
    }

    [Fact]
    public async Task Long_names_and_links_round_trip_without_process_specific_headers()
    {
        using var temp = new TempDirectory();
        var deep = string.Join('/', Enumerable.Range(0, 12).Select(i => $"segment-{i:D2}-abcdefgh"));
        var single = new string('x', 180);
        var builder = new LayerBuilder(Fixed)
            .AddBytes(deep + "/file.txt", "deep"u8.ToArray())
            .AddBytes(single, "single"u8.ToArray())
            .AddSymlink("long-link", "/" + deep + "/file.txt")
            .AddSymlink(deep + "/long-link-too", "/" + deep + "/file.txt");

        using var tar = new MemoryStream();
        await builder.WriteTarAsync(tar);
        var bytes = tar.ToArray();
        tar.Position = 0;
        var items = TarInspection.Read(tar);

        Assert.Contains(items, i => i.Name == deep + "/file.txt" && Encoding.UTF8.GetString(i.Content) == "deep");
        Assert.Contains(items, i => i.Name == single && Encoding.UTF8.GetString(i.Content) == "single");
        Assert.Equal("/" + deep + "/file.txt", items.Single(i => i.Name == "long-link").LinkName);
        Assert.Equal("/" + deep + "/file.txt", items.Single(i => i.Name == deep + "/long-link-too").LinkName);
        Assert.DoesNotContain("PaxHeaders", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal(0, bytes.Length % 512);
    }

    [Fact]
    public async Task Gzip_bytes_are_pinned()
    {
        using var temp = new TempDirectory();
        var layer = await new LayerBuilder(DateTimeOffset.FromUnixTimeSeconds(1)).AddBytes("hello.txt", "hello\n"u8.ToArray()).BuildAsync(new BlobCache(temp.Path));
        var bytes = File.ReadAllBytes(layer.BlobPath);

        // gzip header: no name, mtime 0, OS unknown — nothing from the machine or the clock.
        Assert.Equal(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff }, bytes[..10]);
        // A regression guard: the digest must not move with the .NET version or machine (SharpZipLib 1.4.2, level 6).
        Assert.Equal("sha256:" + PinnedHelloDigest, layer.Digest.ToString());
    }

    internal const string PinnedHelloDigest = "a31570f4662a1732c8209e2bcfde5c814bdf4f869016062e9a0efb636a3c24ee";

    [Fact]
    public async Task An_entry_below_a_file_is_refused()
    {
        var builder = new LayerBuilder(Fixed).AddBytes("a", new byte[] { 1 }).AddBytes("a/b", new byte[] { 2 });

        var error = await Assert.ThrowsAsync<KtException>(() => builder.WriteTarAsync(Stream.Null));
        Assert.Equal("KT2010", error.Code);
        Assert.Equal("KT2010", Assert.Throws<KtException>(() => new LayerBuilder().AddBytes("../etc/passwd", new byte[] { 1 })).Code);
    }

    [Fact]
    public void Default_time_is_one_second_past_the_epoch_when_SOURCE_DATE_EPOCH_is_unset()
    {
        if (Environment.GetEnvironmentVariable(ReproducibleTime.EnvironmentVariable) is not null)
        {
            Assert.Equal(Fixed, ReproducibleTime.Resolve(Fixed));
            return;
        }

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1), ReproducibleTime.Resolve());
        Assert.Equal("1970-01-01T00:00:01Z", ReproducibleTime.Format(ReproducibleTime.Resolve()));
    }

    private static UnixFileMode Mode(int bits) => (UnixFileMode)bits;

    private static void WriteTree(string root, bool reverse, DateTime mtime)
    {
        var files = new (string Path, string Content)[] { ("b/two.txt", "two"), ("a/one.txt", "one"), ("c/d/e/three.bin", new string('3', 5000)), ("top.txt", "top") };
        foreach (var (path, content) in reverse ? files.Reverse() : files)
        {
            var full = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
            File.SetLastWriteTimeUtc(full, mtime);
        }

        Directory.CreateDirectory(Path.Combine(root, "empty"));
    }
}
