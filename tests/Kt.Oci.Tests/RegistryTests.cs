using System.Text.Json;
using Kt.Core;

namespace Kt.Oci.Tests;

/// <summary>Against the real registry on 127.0.0.1:5000, checked by skopeo.</summary>
public class RegistryTests
{
    private static RegistryClient NewClient() => new(new RegistryClientOptions { Credentials = NoCredentials.Instance });

    private static ImageReference NewRepository(string name, string tag) =>
        ImageReference.Parse($"{Tools.Registry}/kt-oci-tests/{name}-{Guid.NewGuid():N}:{tag}");

    [RegistryFact]
    public async Task Push_is_seen_by_skopeo_a_second_push_uploads_nothing_and_another_repository_mounts()
    {
        using var temp = new TempDirectory();
        var cache = new BlobCache(temp.Path);
        var image = await SampleImages.BuildAsync(cache);
        using var client = NewClient();
        var pusher = new ImagePusher(client);
        var target = NewRepository("push", "v1");
        await client.PingAsync(Tools.Registry);

        var first = await pusher.PushAsync(image, target, ["extra"]);

        Assert.Equal(image.ManifestDigest, first.ManifestDigest);
        Assert.Equal((2, 0, 0), (first.LayersUploaded, first.LayersSkipped, first.LayersMounted));
        Assert.True(first.BytesUploaded >= image.Layers.Sum(l => l.Descriptor.Size) + image.Config.Size);
        foreach (var tag in new[] { "v1", "extra" })
        {
            using var inspect = JsonDocument.Parse(Tools.RunOk("skopeo", "inspect", "--tls-verify=false", $"docker://{target.WithTag(tag)}"));
            Assert.Equal(image.ManifestDigest.ToString(), inspect.RootElement.GetProperty("Digest").GetString());
        }

        var second = await pusher.PushAsync(image, target);
        Assert.Equal((0, 2, 0L), (second.LayersUploaded, second.LayersSkipped, second.BytesUploaded));

        var other = NewRepository("mounted", "v1");
        var third = await pusher.PushAsync(image, other);
        Assert.Equal((0, 2, 0L), (third.LayersUploaded, third.LayersMounted, third.BytesUploaded));
        Assert.Equal(0, Tools.Run("skopeo", "inspect", "--tls-verify=false", $"docker://{other}").ExitCode);
    }

    [RegistryFact]
    public async Task A_code_only_change_uploads_only_the_changed_layer_and_the_config()
    {
        using var temp = new TempDirectory();
        var cache = new BlobCache(temp.Path);
        using var client = NewClient();
        var pusher = new ImagePusher(client);
        var target = NewRepository("change", "v1");
        await pusher.PushAsync(await SampleImages.BuildAsync(cache, "version 1", "m"), target);

        var changed = await SampleImages.BuildAsync(cache, "version 2", "m");
        var result = await pusher.PushAsync(changed, target.WithTag("v2"));

        Assert.Equal((1, 1), (result.LayersUploaded, result.LayersSkipped));
        Assert.Equal(changed.Layers[1].Descriptor.Size + changed.Config.Size, result.BytesUploaded);
    }

    [RegistryFact]
    public async Task Pull_by_tag_and_by_digest_fills_the_cache_and_a_corrupted_blob_is_fetched_again()
    {
        using var temp = new TempDirectory();
        var image = await SampleImages.BuildAsync(new BlobCache(temp.Combine("build")));
        using var client = NewClient();
        var target = NewRepository("pull", "v1");
        var pushed = await new ImagePusher(client).PushAsync(image, target);
        var cache = new BlobCache(temp.Combine("pull-cache"));

        var byTag = await new RegistryImageSource(client, target, cache).PullAsync();
        var pinned = ImageReference.Parse($"{target.Registry}/{target.Repository}@{pushed.ManifestDigest}");
        var byDigest = await new RegistryImageSource(client, pinned, cache).PullAsync();

        Assert.Equal(image.ManifestDigest, byTag.ManifestDigest);
        Assert.Equal(image.ManifestDigest, byDigest.ManifestDigest);
        foreach (var layer in image.Layers)
        {
            Assert.Equal(layer.Descriptor.Digest, await Digest.ComputeFileAsync(cache.PathFor(layer.Descriptor.Digest)));
        }

        var victim = cache.PathFor(image.Layers[0].Descriptor.Digest);
        File.WriteAllText(victim, "bit rot");
        var again = await new RegistryImageSource(client, target, cache).PullAsync();
        Assert.Equal(image.Layers[0].Descriptor.Digest, await Digest.ComputeFileAsync(victim));
        Assert.Equal(image.ManifestDigest, again.ManifestDigest);
    }

    [RegistryFact]
    public async Task A_missing_manifest_is_KT2033()
    {
        using var client = NewClient();

        var error = await Assert.ThrowsAsync<KtException>(() => client.GetManifestAsync(NewRepository("missing", "nope")));

        Assert.Equal("KT2033", error.Code);
    }

    [RegistryFact]
    public async Task A_docker_schema2_base_is_pulled_extended_and_pushed_with_its_layers_mounted()
    {
        using var temp = new TempDirectory();
        var cache = new BlobCache(temp.Path);
        var sample = await SampleImages.BuildAsync(cache);
        var archive = temp.Combine("sample.tar");
        await ImageTarballWriter.WriteFileAsync(sample, archive, [ImageReference.Parse("kt/sample:v1")]);
        var baseReference = NewRepository("docker-base", "v1");
        Tools.RunOk("skopeo", "copy", "--format", "v2s2", "--dest-tls-verify=false", $"oci-archive:{archive}:v1", $"docker://{baseReference}");
        using var client = NewClient();

        var baseImage = await new RegistryImageSource(client, baseReference, cache).LoadAsync();
        var extra = await new LayerBuilder().AddBytes("app/extra.txt", "extra"u8.ToArray()).BuildAsync(cache);
        var image = ImageAssembler.Assemble(baseImage, [ImageStep.ForLayer(extra, "kt: extra")], new ImageSettings { BaseName = baseReference.ToString() });
        var target = NewRepository("on-docker-base", "v1");
        var result = await new ImagePusher(client).PushAsync(image, target);

        Assert.Equal(MediaTypes.DockerManifest, baseImage.ManifestMediaType);
        Assert.All(image.Manifest.Value.Layers, l => Assert.Equal(MediaTypes.OciLayerGzip, l.MediaType));
        Assert.Equal((sample.Layers.Count, 1), (result.LayersMounted, result.LayersUploaded));
        using var inspect = JsonDocument.Parse(Tools.RunOk("skopeo", "inspect", "--tls-verify=false", $"docker://{target}"));
        Assert.Equal(sample.Layers.Count + 1, inspect.RootElement.GetProperty("Layers").GetArrayLength());
    }

    [RegistryFact]
    public async Task An_index_resolves_to_the_requested_platform()
    {
        using var temp = new TempDirectory();
        var cache = new BlobCache(temp.Path);
        using var client = NewClient();
        var pusher = new ImagePusher(client);
        var target = NewRepository("multi", "v1");
        var amd64 = ImageAssembler.Assemble(OciImage.Empty(Platform.Parse("linux/amd64")), [], new ImageSettings { Title = "amd64" });
        var arm64 = ImageAssembler.Assemble(OciImage.Empty(Platform.Parse("linux/arm64/v8")), [], new ImageSettings { Title = "arm64" });
        await pusher.PushAsync(amd64, target.WithTag("amd64"));
        await pusher.PushAsync(arm64, target.WithTag("arm64"));
        var index = OciJson.Serialize(new ImageIndex
        {
            Manifests =
            [
                amd64.ManifestDescriptor with { Platform = amd64.Platform },
                arm64.ManifestDescriptor with { Platform = arm64.Platform },
            ],
        });
        await client.PutManifestAsync(target, "v1", index.Bytes, MediaTypes.OciIndex);

        var chosen = await client.GetImageManifestAsync(target, Platform.Parse("linux/arm64"));
        var byDefault = await new RegistryImageSource(client, target, cache).LoadAsync();

        Assert.Equal(arm64.ManifestDigest, chosen.Digest);
        Assert.Equal(amd64.ManifestDigest, byDefault.ManifestDigest);
        var error = await Assert.ThrowsAsync<KtException>(() => client.GetImageManifestAsync(target, Platform.Parse("windows/amd64")));
        Assert.Equal("KT2004", error.Code);
        Assert.Contains("linux/arm64/v8", error.Message, StringComparison.Ordinal);
    }
}
