using System.Text.Json;
using Kt.Core;
using Kt.Docker;
using Kt.ImageCompiler;
using Kt.ImageCompiler.Freezing;
using Kt.Oci;
using Kt.TestSupport;

namespace Kt.ImageCompiler.Tests;

public sealed class FreezeTests : IDisposable
{
    // Base layers are read lazily from the registry when an image is written, so the client lives as long as the test.
    private readonly RegistryClient _registry = new();

    public void Dispose() => _registry.Dispose();

    private static Image FileOnly() => Image.From(Environments.RegistryBaseImage)
        .Env("APP_HOME", "/opt/app")
        .WorkDir("/opt/app")
        .Copy("bin/", "bin/")
        .Copy("config.json", "etc/config.json");

    private static void WriteProject(TempFolder project)
    {
        project.Write("bin/hello", "#!/bin/sh\necho \"hello from $APP_HOME\"\n", executable: true);
        project.Write("config.json", "{\"x\":1}");
    }

    private async Task<FreezeResult> FreezeAsync(Image image, string projectRoot, string cacheRoot, IContainerEngine? engine = null)
    {
        var blobs = new BlobCache(Path.Combine(cacheRoot, "blobs"));
        var source = new RegistryImageSource(_registry, ImageReference.Parse(image.Definition.Base.Reference), blobs);
        return await new ImageFreezer(blobs, engine).FreezeAsync(image.Definition, projectRoot, source);
    }

    [RegistryFact]
    public async Task Two_clean_builds_in_different_folders_give_the_same_manifest_digest()
    {
        using var first = new TempFolder("kt-a");
        using var second = new TempFolder("kt-b");
        WriteProject(first);
        WriteProject(second);
        File.SetLastWriteTimeUtc(second.Combine("config.json"), new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));

        var a = await FreezeAsync(FileOnly(), first.Path, first.Combine(".cache"));
        var b = await FreezeAsync(FileOnly(), second.Path, second.Combine(".cache"));

        Assert.Equal(a.Image.ManifestDigest, b.Image.ManifestDigest);
        Assert.Equal(0, a.StepsRun);
        Assert.All(a.Steps.Where(s => s.Layer is not null), s => Assert.Equal(StepOutcomeKind.Built, s.Outcome));
    }

    [RegistryFact]
    public async Task The_layout_passes_skopeo_and_umoci_with_files_modes_and_owners()
    {
        using var project = new TempFolder();
        WriteProject(project);
        var result = await FreezeAsync(FileOnly(), project.Path, project.Combine(".cache"));
        var layout = project.Combine("layout");
        await OciLayoutWriter.WriteAsync(result.Image, layout, "latest");

        var inspect = ProcessRunner.Run("skopeo", ["inspect", "--raw", $"oci:{layout}:latest"]).EnsureSuccess("skopeo inspect");
        using (var manifest = JsonDocument.Parse(inspect.Output))
        {
            Assert.Equal(result.Image.Layers.Count, manifest.RootElement.GetProperty("layers").GetArrayLength());
        }

        var config = ProcessRunner.Run("skopeo", ["inspect", "--config", $"oci:{layout}:latest"]).EnsureSuccess("skopeo inspect --config");
        Assert.Contains("APP_HOME=/opt/app", config.Output, StringComparison.Ordinal);
        Assert.Contains($"kt-step {result.Resolved.Steps[2].Key.Hex}", config.Output, StringComparison.Ordinal);

        var bundle = project.Combine("bundle");
        ProcessRunner.Run("umoci", ["unpack", "--image", $"{layout}:latest", bundle]).EnsureSuccess("umoci unpack");
        var hello = Path.Combine(bundle, "rootfs/opt/app/bin/hello");
        var configFile = Path.Combine(bundle, "rootfs/opt/app/etc/config.json");
        Assert.Equal("755 0:0", ProcessRunner.Run("stat", ["-c", "%a %u:%g", hello]).Output.Trim());
        Assert.Equal("644 0:0", ProcessRunner.Run("stat", ["-c", "%a %u:%g", configFile]).Output.Trim());
        Assert.Equal("{\"x\":1}", File.ReadAllText(configFile));
        Assert.True(File.Exists(Path.Combine(bundle, "rootfs/bin/sh")), "the base layers are unpacked too");
    }

    [Fact]
    public async Task A_command_step_without_an_engine_is_a_clear_error()
    {
        using var project = new TempFolder();
        var layout = project.Combine("base");
        // A tiny local base (an OCI layout with one layer) so no registry or engine is involved.
        var baseLayer = await new LayerBuilder().AddBytes("/etc/os-release", "ID=kt\n"u8.ToArray()).BuildAsync(new BlobCache(project.Combine("c")));
        var baseImage = ImageAssembler.Assemble(OciImage.Empty(), [ImageStep.ForLayer(baseLayer, "base")], new ImageSettings());
        await OciLayoutWriter.WriteAsync(baseImage, layout, "base");

        var image = Image.From("local/base:1").Run("echo hi");
        var freezer = new ImageFreezer(new BlobCache(project.Combine("cache")), engine: null);
        var error = await Assert.ThrowsAsync<KtException>(() => freezer.FreezeAsync(image.Definition, project.Path, new OciLayoutImageSource(layout, "base")));
        Assert.Equal(ImageErrors.EngineRequired, error.Code);
    }

    [DockerFact]
    public async Task Command_steps_run_on_the_engine_and_a_warm_rebuild_gives_the_same_digest()
    {
        Assert.True(Environments.HasRegistry, "the registry from .ci/setup is needed too");
        using var project = new TempFolder();
        WriteProject(project);
        using var engine = await DockerEngine.ConnectAsync();
        var image = FileOnly()
            .Run("mkdir -p /var/kt && echo \"built in $APP_HOME\" > /var/kt/marker && rm -f /etc/issue")
            .Env("GREETING", "hi");
        var cache = project.Combine(".cache");

        var first = await FreezeAsync(image, project.Path, cache, engine);
        var second = await FreezeAsync(image, project.Path, cache, engine);

        Assert.Equal(1, first.StepsRun);
        Assert.Equal(0, second.StepsRun);
        Assert.Equal(first.Image.ManifestDigest, second.Image.ManifestDigest);

        var tag = $"kt-test/freeze:{first.Resolved.FinalKey.Short}";
        var pushed = await new ImagePusher(_registry).PushAsync(first.Image, ImageReference.Parse($"{Environments.RegistryHost}/{tag}"));
        try
        {
            var run = ProcessRunner.Run("docker", ["run", "--rm", $"{Environments.RegistryHost}/{tag}", "/bin/sh", "-c",
                "cat /var/kt/marker; bin/hello; echo $GREETING; test -e /etc/issue && echo issue-present || echo issue-gone"]).EnsureSuccess("docker run");
            Assert.Equal(["built in /opt/app", "hello from /opt/app", "hi", "issue-gone"], run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
        finally
        {
            ProcessRunner.Run("docker", ["rmi", "-f", $"{Environments.RegistryHost}/{tag}"]);
        }

        Assert.NotNull(pushed);
    }
}
