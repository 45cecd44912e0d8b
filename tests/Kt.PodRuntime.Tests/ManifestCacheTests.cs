using Kt.PodRuntime.Client;
using Kt.PodRuntime.Protocol;

namespace Kt.PodRuntime.Tests;

/// <summary>
/// The client's proof of "unchanged" (issue 21 point 6): a <see cref="ManifestBuilder"/> kept across syncs re-hashes
/// only files whose stamp moved, yet every kind of edit shows in its manifest exactly as a fresh build of the folder
/// (no cache) sees it — including a same-size rewrite whose mtime was put back, and a file rewritten within the racy
/// window of the build that hashed it.
/// </summary>
public sealed class ManifestCacheTests : IDisposable
{
    private static readonly DateTime Past = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);
    private readonly TempRoot _temp = new();

    [Fact]
    public async Task A_second_build_hashes_only_the_changed_file()
    {
        var folder = App(files: 200);
        var builder = new ManifestBuilder(new Clock(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1))); // every stamp is old news
        await builder.BuildAsync(folder);
        Assert.Equal(200, builder.LastHashed);

        AssertSame(await Fresh(folder), await builder.BuildAsync(folder));
        Assert.Equal(0, builder.LastHashed);

        File.WriteAllText(Path.Combine(folder, "d1", "f100.txt"), "changed, same length.....");
        var after = await builder.BuildAsync(folder);

        Assert.Equal(1, builder.LastHashed);
        AssertSame(await Fresh(folder), after);
    }

    [Fact]
    public async Task Every_kind_of_edit_shows_as_a_fresh_build_sees_it()
    {
        var folder = App(files: 150);
        var builder = new ManifestBuilder(new Clock(DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1)));
        await builder.BuildAsync(folder);
        var file = Path.Combine(folder, "d0", "f3.txt");
        var original = File.ReadAllText(file);

        // Same size, mtime put back (cp -p, touch -r, an archive tool): on Linux ctime moved, elsewhere the stamp's own clock.
        File.WriteAllText(file, new string('z', original.Length));
        File.SetLastWriteTimeUtc(file, Past);
        await AssertSeen(builder, folder, "same-size rewrite with its mtime put back");

        // A safe-write save: a new file renamed over the old one (another inode), same size and mtime.
        var temp = Path.Combine(folder, "d0", "f3.txt.tmp");
        File.WriteAllText(temp, new string('q', original.Length));
        File.SetLastWriteTimeUtc(temp, Past);
        File.Move(temp, file, overwrite: true);
        await AssertSeen(builder, folder, "write-temp-then-rename");

        File.Move(Path.Combine(folder, "d0", "f4.txt"), Path.Combine(folder, "d0", "renamed.txt"));
        await AssertSeen(builder, folder, "rename");

        File.Delete(Path.Combine(folder, "d0", "f5.txt"));
        await AssertSeen(builder, folder, "delete");

        File.SetUnixFileMode(Path.Combine(folder, "d0", "f6.txt"), (UnixFileMode)0x1ED); // 0755
        var chmod = await AssertSeen(builder, folder, "chmod");
        Assert.Equal(0x1ED, chmod.Files.Single(f => f.Path == "d0/f6.txt").Mode);

        Directory.Move(Path.Combine(folder, "d1"), Path.Combine(folder, "moved"));
        await AssertSeen(builder, folder, "folder rename");

        File.WriteAllText(Path.Combine(folder, "target.txt"), "linked bytes");
        File.CreateSymbolicLink(Path.Combine(folder, "link.txt"), "target.txt");
        await AssertSeen(builder, folder, "symlink added");
        File.WriteAllText(Path.Combine(folder, "other.txt"), "other bytes!");
        File.Delete(Path.Combine(folder, "link.txt"));
        File.CreateSymbolicLink(Path.Combine(folder, "link.txt"), "other.txt");
        var relinked = await AssertSeen(builder, folder, "symlink retargeted");
        Assert.Equal(relinked.Files.Single(f => f.Path == "other.txt").Sha256, relinked.Files.Single(f => f.Path == "link.txt").Sha256);
    }

    [Fact]
    public async Task A_file_hashed_within_the_racy_window_is_hashed_again_until_its_stamp_is_old()
    {
        var folder = App(files: 3, stampInThePast: false);
        var clock = new Clock(DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(1)); // the build runs in the tick of the writes
        var builder = new ManifestBuilder(clock);
        await builder.BuildAsync(folder);

        // Nothing moved its stamp, yet a rewrite in that tick could have kept it: the digest is not trusted yet.
        await builder.BuildAsync(folder);
        Assert.Equal(3, builder.LastHashed);

        clock.Now += ManifestBuilder.RacyWindow + TimeSpan.FromSeconds(1);
        await builder.BuildAsync(folder); // hashed once more, now by a build that started well after the stamp
        Assert.Equal(3, builder.LastHashed);
        AssertSame(await Fresh(folder), await builder.BuildAsync(folder));
        Assert.Equal(0, builder.LastHashed);
    }

    public void Dispose() => _temp.Dispose();

    private static async Task<ContentManifest> AssertSeen(ManifestBuilder builder, string folder, string edit)
    {
        var cached = await builder.BuildAsync(folder);
        var fresh = await Fresh(folder);
        Assert.True(fresh.Files.SequenceEqual(cached.Files), $"after a {edit} the cached manifest differs from a fresh one");
        return cached;
    }

    private static void AssertSame(ContentManifest expected, ContentManifest actual) => Assert.Equal(expected.Files, actual.Files);

    private static Task<ContentManifest> Fresh(string folder) => new ManifestBuilder().BuildAsync(folder);

    private string App(int files, bool stampInThePast = true)
    {
        var folder = _temp.Sub("app");
        for (var i = 0; i < files; i++)
        {
            var path = Path.Combine(folder, $"d{i / 100}", $"f{i}.txt");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, $"file {i}".PadRight(25, '.'));
            if (stampInThePast)
            {
                File.SetLastWriteTimeUtc(path, Past);
            }
        }

        return folder;
    }

    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
