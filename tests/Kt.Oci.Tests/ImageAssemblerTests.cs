using System.Text.Json;

namespace Kt.Oci.Tests;

public class ImageAssemblerTests
{
    [Fact]
    public async Task Config_history_and_annotations_line_up_and_are_reproducible()
    {
        using var temp = new TempDirectory();
        var cache = new BlobCache(temp.Path);

        var image = await SampleImages.BuildAsync(cache, marker: "fixed");
        var again = await SampleImages.BuildAsync(cache, marker: "fixed");

        Assert.Equal(image.ManifestDigest, again.ManifestDigest);
        var config = image.Config.Value;
        Assert.Equal(image.Layers.Select(l => l.DiffId), config.RootFs.DiffIds);
        Assert.Equal(3, config.History!.Count);
        Assert.Equal([false, true, false], config.History.Select(h => h.EmptyLayer));
        Assert.Equal(image.Layers.Count, config.History.Count(h => !h.EmptyLayer));
        Assert.Equal(["KT_MODE=test", "PATH=/usr/local/bin:/usr/bin:/bin"], config.Config!.Env);
        Assert.Null(config.Config.Cmd);
        Assert.Equal(("/app", "1000"), (config.Config.WorkingDir, config.Config.User));
        Assert.Contains("8080/tcp", config.Config.ExposedPorts!.Keys);
        Assert.Equal(ReproducibleTime.Format(ReproducibleTime.Resolve()), config.Created);

        var annotations = image.Manifest.Value.Annotations!;
        Assert.Equal(config.Created, annotations[ImageAssembler.CreatedAnnotation]);
        Assert.Equal("https://example.com/repo", annotations[ImageAssembler.SourceAnnotation]);
        Assert.Equal("abc123", annotations[ImageAssembler.RevisionAnnotation]);
        Assert.Equal("kt-oci-sample", annotations[ImageAssembler.TitleAnnotation]);

        // The kept bytes are the digest's bytes, and they parse back to the same document.
        Assert.Equal(image.ManifestDigest, Kt.Core.Digest.Compute(image.Manifest.Bytes.Span));
        using var json = JsonDocument.Parse(image.Manifest.Bytes);
        Assert.Equal(MediaTypes.OciManifest, json.RootElement.GetProperty("mediaType").GetString());
        Assert.Contains("\"application/vnd.oci.image.layer.v1.tar+gzip\"", System.Text.Encoding.UTF8.GetString(image.Manifest.Bytes.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_merge_keeps_base_order_and_appends_new_variables()
    {
        var merged = ImageAssembler.MergeEnvironment(["PATH=/bin", "LANG=C"], [new("LANG", "C.UTF-8"), new("NEW", "1")]);

        Assert.Equal(["PATH=/bin", "LANG=C.UTF-8", "NEW=1"], merged);
        Assert.Equal("KT2013", Assert.Throws<Kt.Core.KtException>(() => ImageAssembler.MergeEnvironment([], [new("A=B", "x")])).Code);
    }

    [Fact]
    public async Task Entrypoint_without_cmd_clears_the_base_cmd_and_base_fields_are_carried()
    {
        using var temp = new TempDirectory();
        var baseConfig = new ImageConfig
        {
            Config = new ContainerConfig
            {
                Cmd = ["bash"],
                Other = new Dictionary<string, JsonElement> { ["StopSignal"] = JsonDocument.Parse("\"SIGTERM\"").RootElement },
            },
        };
        var configJson = OciJson.Serialize(baseConfig);
        var baseImage = new OciImage(OciJson.Serialize(new ImageManifest { Config = configJson.ToDescriptor(MediaTypes.OciConfig) }), configJson, []);

        var image = ImageAssembler.Assemble(baseImage, [], new ImageSettings { Entrypoint = ["/app/run"] });

        Assert.Null(image.Config.Value.Config!.Cmd);
        Assert.Contains("\"StopSignal\":\"SIGTERM\"", System.Text.Encoding.UTF8.GetString(image.Config.Bytes.Span), StringComparison.Ordinal);
        await Task.CompletedTask;
    }
}
