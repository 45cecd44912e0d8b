using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using Kt.Core;

namespace Kt.Docker.Tests;

public class ImageTests(EngineFixture fixture) : IClassFixture<EngineFixture>
{
    private readonly string _repository = $"kt-test/load-{Guid.NewGuid():N}";

    private DockerEngine Engine => new(fixture.Connection);

    [DockerFact]
    public async Task A_docker_archive_loads_can_be_tagged_and_is_removed_again()
    {
        try
        {
            await Engine.LoadImageAsync(TinyDockerArchive($"{_repository}:v1"));
            Assert.True(await Engine.ImageExistsAsync($"{_repository}:v1"));

            await Engine.TagImageAsync($"{_repository}:v1", _repository, "v2");
            Assert.True(await Engine.ImageExistsAsync($"{_repository}:v2"));

            await Engine.RemoveImageAsync($"{_repository}:v1");
            await Engine.RemoveImageAsync($"{_repository}:v2");
            Assert.False(await Engine.ImageExistsAsync($"{_repository}:v1"));
            Assert.False(await Engine.ImageExistsAsync($"{_repository}:v2"));
            await Engine.RemoveImageAsync($"{_repository}:v2"); // absent is fine
        }
        finally
        {
            await Engine.RemoveImageAsync($"{_repository}:v1");
            await Engine.RemoveImageAsync($"{_repository}:v2");
        }
    }

    [DockerFact]
    public async Task A_tarball_that_is_not_an_image_is_refused_with_a_KT_code()
    {
        var error = await Assert.ThrowsAsync<KtException>(() => Engine.LoadImageAsync(RunStepTests.TarWithFile("hello.txt", "not an image")));

        Assert.Contains(error.Code, new[] { "KT3006", "KT3007" });
    }

    /// <summary>A one-layer docker-archive (manifest.json + config + layer.tar) built by hand.</summary>
    private static MemoryStream TinyDockerArchive(string tag)
    {
        var layer = RunStepTests.TarWithFile("hello.txt", "hello").ToArray();
        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(layer));
        var config = Encoding.UTF8.GetBytes(
            $$$"""{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["{{{diffId}}}"]}}""");
        var configName = Convert.ToHexStringLower(SHA256.HashData(config)) + ".json";
        var manifest = Encoding.UTF8.GetBytes($$"""[{"Config":"{{configName}}","RepoTags":["{{tag}}"],"Layers":["layer/layer.tar"]}]""");

        var archive = new MemoryStream();
        using (var writer = new TarWriter(archive, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, data) in new[] { ("layer/layer.tar", layer), (configName, config), ("manifest.json", manifest) })
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }

        archive.Position = 0;
        return archive;
    }
}
