using System.Text;

namespace Kt.Oci.Tests;

/// <summary>An image built on a `docker save` of the local Debian image, streamed into `docker load`, then run.</summary>
public class DockerLoadTests
{
    private const string BaseImage = "kt-test/debian:bookworm";

    [DockerFact]
    public async Task An_image_built_on_a_docker_archive_loads_into_docker_and_runs()
    {
        using var temp = new TempDirectory();
        var baseTar = temp.Combine("base.tar");
        Tools.RunOk("docker", "save", "-o", baseTar, BaseImage);
        var baseImage = await new TarballImageSource(baseTar, BaseImage).LoadAsync();
        var script = await new LayerBuilder()
            .AddBytes("usr/local/bin/kt-hello.sh", Encoding.UTF8.GetBytes("#!/bin/sh\necho \"kt says $KT_GREETING from $(pwd) as $(id -u)\"\n"), executable: true)
            .BuildAsync(new BlobCache(temp.Combine("cache")));
        var image = ImageAssembler.Assemble(baseImage, [ImageStep.ForLayer(script, "kt: add hello script")], new ImageSettings
        {
            Environment = [new("KT_GREETING", "hello")],
            WorkingDirectory = "/srv",
            Cmd = ["/usr/local/bin/kt-hello.sh"],
            BaseName = BaseImage,
        });
        var tag = ImageReference.Parse($"kt-oci-tests/hello:{Guid.NewGuid():N}");

        try
        {
            // Streamed straight into the engine, as IContainerEngine.LoadImageAsync would be.
            var (loadCode, loadOutput) = Tools.RunWithInput("docker", async stdin =>
            {
                await using var tarball = ImageTarballWriter.OpenRead(image, [tag]);
                await tarball.CopyToAsync(stdin);
            }, "load");
            Assert.True(loadCode == 0, loadOutput);

            var output = Tools.RunOk("docker", "run", "--rm", tag.ToString());

            Assert.Equal("kt says hello from /srv as 0", output.Trim());
        }
        finally
        {
            Tools.Run("docker", "rmi", "-f", tag.ToString());
        }
    }
}
