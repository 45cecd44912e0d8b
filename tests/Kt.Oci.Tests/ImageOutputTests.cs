using System.Text.Json;
using Kt.Core;

namespace Kt.Oci.Tests;

/// <summary>Writes layouts and tarballs and lets skopeo and umoci judge them.</summary>
public class ImageOutputTests
{
    [CheckersFact]
    public async Task Layout_is_accepted_by_skopeo_and_unpacked_by_umoci_with_the_right_files_and_modes()
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Combine("cache")), "layout text\n");
        var layout = temp.Combine("layout");

        await OciLayoutWriter.WriteAsync(image, layout, "v1");

        Assert.Equal("{\"imageLayoutVersion\":\"1.0.0\"}", File.ReadAllText(Path.Combine(layout, "oci-layout")));
        using (var inspect = JsonDocument.Parse(Tools.RunOk("skopeo", "inspect", $"oci:{layout}:v1")))
        {
            Assert.Equal(image.ManifestDigest.ToString(), inspect.RootElement.GetProperty("Digest").GetString());
            Assert.Equal(image.Layers.Select(l => l.Descriptor.Digest.ToString()), inspect.RootElement.GetProperty("Layers").EnumerateArray().Select(e => e.GetString()));
        }

        var bundle = temp.Combine("bundle");
        Tools.RunOk("umoci", "unpack", "--rootless", "--image", $"{layout}:v1", bundle);
        var rootfs = Path.Combine(bundle, "rootfs");
        Assert.Equal("layout text\n", File.ReadAllText(Path.Combine(rootfs, "app", "message.txt")));
        Assert.Equal("long\n", File.ReadAllText(Path.Combine(rootfs, "usr", "share", "kt", SampleImages.LongFileName)));
        Assert.Equal("message.txt", new FileInfo(Path.Combine(rootfs, "app", "current")).LinkTarget);
        const UnixFileMode Permissions = (UnixFileMode)0b111_111_111;
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(rootfs, "usr", "local", "bin", "greet")) & Permissions);
        Assert.Equal((UnixFileMode)0b110_100_100, File.GetUnixFileMode(Path.Combine(rootfs, "etc", "kt", "readme.txt")) & Permissions);
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(rootfs, "etc", "kt")) & Permissions);
        var runtimeConfig = File.ReadAllText(Path.Combine(bundle, "config.json"));
        Assert.Contains("KT_MODE=test", runtimeConfig, StringComparison.Ordinal);
    }

    [CheckersFact]
    public async Task Tarball_is_both_an_oci_archive_and_a_docker_archive()
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Combine("cache")));
        var tarball = temp.Combine("image.tar");

        await ImageTarballWriter.WriteFileAsync(image, tarball, [ImageReference.Parse("kt-test/sample:v2")]);

        using (var oci = JsonDocument.Parse(Tools.RunOk("skopeo", "inspect", $"oci-archive:{tarball}:v2")))
        {
            Assert.Equal(image.ManifestDigest.ToString(), oci.RootElement.GetProperty("Digest").GetString());
        }

        using var docker = JsonDocument.Parse(Tools.RunOk("skopeo", "inspect", $"docker-archive:{tarball}"));
        Assert.Equal(image.Layers.Count, docker.RootElement.GetProperty("Layers").GetArrayLength());
        Assert.Contains("KT_MODE=test", docker.RootElement.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(Directory.GetFiles(temp.Path, ".image.tar.tmp-*"));
    }

    [Fact]
    public async Task Layout_and_tarball_read_back_to_the_same_image()
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Combine("cache")));
        var layout = temp.Combine("layout");
        var tarball = temp.Combine("image.tar");
        await OciLayoutWriter.WriteAsync(image, layout, "dev");
        await ImageTarballWriter.WriteFileAsync(image, tarball, [ImageReference.Parse("localhost/kt/sample:dev")]);

        var fromLayout = await new OciLayoutImageSource(layout, "dev").LoadAsync();
        var fromTarball = await new TarballImageSource(tarball).LoadAsync();
        var byFullName = await new TarballImageSource(tarball, "localhost/kt/sample:dev").LoadAsync();

        Assert.Equal(image.ManifestDigest, fromLayout.ManifestDigest);
        Assert.Equal(image.ManifestDigest, fromTarball.ManifestDigest);
        Assert.Equal(image.ManifestDigest, byFullName.ManifestDigest);
        using var copy = new MemoryStream();
        await using (var blob = await fromTarball.Layers[1].Source.OpenBlobAsync(fromTarball.Layers[1].Descriptor))
        {
            await blob.CopyToAsync(copy);
        }

        Assert.Equal(fromTarball.Layers[1].Descriptor.Digest, Digest.Compute(copy.ToArray()));
    }

    [Fact]
    public async Task Writing_over_an_existing_layout_replaces_it_and_a_failed_write_leaves_nothing()
    {
        using var temp = new TempDirectory();
        var cache = new BlobCache(temp.Combine("cache"));
        var image = await SampleImages.BuildAsync(cache);
        var layout = temp.Combine("out", "layout");
        await OciLayoutWriter.WriteAsync(image, layout, "one");
        await OciLayoutWriter.WriteAsync(image, layout, "two");
        Assert.Equal(image.ManifestDigest, (await new OciLayoutImageSource(layout, "two").LoadAsync()).ManifestDigest);
        Assert.Equal("KT2042", (await Assert.ThrowsAsync<KtException>(() => new OciLayoutImageSource(layout, "one").LoadAsync())).Code);

        // Corrupt a layer blob in the cache: the writer verifies while copying and gives up without leaving output.
        File.WriteAllText(image.Layers[0].Source is FileBlobSource f ? f.Path : throw new InvalidOperationException(), "corrupt");
        var failed = temp.Combine("out", "failed");
        Assert.Equal("KT2020", (await Assert.ThrowsAsync<KtException>(() => OciLayoutWriter.WriteAsync(image, failed, "x"))).Code);
        Assert.Equal("KT2020", (await Assert.ThrowsAsync<KtException>(() => ImageTarballWriter.WriteFileAsync(image, temp.Combine("out", "failed.tar"), []))).Code);
        Assert.Equal(["layout"], Directory.GetFileSystemEntries(temp.Combine("out")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task The_streamed_tarball_has_the_same_bytes_as_the_file_and_reports_a_failure_to_its_reader()
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Combine("cache")));
        var file = temp.Combine("image.tar");
        await ImageTarballWriter.WriteFileAsync(image, file, [ImageReference.Parse("kt/app:1")]);

        using var streamed = new MemoryStream();
        await using (var tarball = ImageTarballWriter.OpenRead(image, [ImageReference.Parse("kt/app:1")]))
        {
            await tarball.CopyToAsync(streamed);
        }

        Assert.Equal(File.ReadAllBytes(file), streamed.ToArray());

        File.WriteAllText(((FileBlobSource)image.Layers[1].Source).Path, "corrupt");
        await using var broken = ImageTarballWriter.OpenRead(image, []);
        var error = await Assert.ThrowsAsync<KtException>(() => broken.CopyToAsync(Stream.Null));
        Assert.Equal("KT2020", error.Code);
    }
}
