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
}
