using Kt.Core;

namespace Kt.Oci.Tests;

public class ImageReferenceTests
{
    private const string Hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("ubuntu", "docker.io", "library/ubuntu", "latest", "docker.io/library/ubuntu:latest")]
    [InlineData("ubuntu:22.04", "docker.io", "library/ubuntu", "22.04", "docker.io/library/ubuntu:22.04")]
    [InlineData("bitnami/redis", "docker.io", "bitnami/redis", "latest", "docker.io/bitnami/redis:latest")]
    [InlineData("docker.io/ubuntu", "docker.io", "library/ubuntu", "latest", "docker.io/library/ubuntu:latest")]
    [InlineData("index.docker.io/library/ubuntu:1", "docker.io", "library/ubuntu", "1", "docker.io/library/ubuntu:1")]
    [InlineData("localhost/app", "localhost", "app", "latest", "localhost/app:latest")]
    [InlineData("localhost:5000/team/app:v1.2_3", "localhost:5000", "team/app", "v1.2_3", "localhost:5000/team/app:v1.2_3")]
    [InlineData("127.0.0.1:5000/a/b/c:dev", "127.0.0.1:5000", "a/b/c", "dev", "127.0.0.1:5000/a/b/c:dev")]
    [InlineData("ghcr.io/org/my-app__x.y:TAG", "ghcr.io", "org/my-app__x.y", "TAG", "ghcr.io/org/my-app__x.y:TAG")]
    [InlineData("[::1]:5000/app:1", "[::1]:5000", "app", "1", "[::1]:5000/app:1")]
    [InlineData("Registry.Example.com/app", "Registry.Example.com", "app", "latest", "Registry.Example.com/app:latest")]
    public void Valid_references_are_normalised(string text, string registry, string repository, string tag, string canonical)
    {
        var reference = ImageReference.Parse(text);

        Assert.Equal(registry, reference.Registry);
        Assert.Equal(repository, reference.Repository);
        Assert.Equal(tag, reference.Tag);
        Assert.Equal(canonical, reference.ToString());
        Assert.Equal(reference, ImageReference.Parse(canonical));
    }

    [Fact]
    public void A_digest_reference_has_no_implied_tag_and_keeps_a_given_one()
    {
        var pinned = ImageReference.Parse($"ghcr.io/org/app@sha256:{Hex}");
        var both = ImageReference.Parse($"ghcr.io/org/app:1@sha256:{Hex}");

        Assert.Null(pinned.Tag);
        Assert.Equal($"sha256:{Hex}", pinned.ManifestReference);
        Assert.Equal("1", both.Tag);
        Assert.Equal($"ghcr.io/org/app:1@sha256:{Hex}", both.ToString());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(" ubuntu", "whitespace")]
    [InlineData("Ubuntu", "lowercase")]
    [InlineData("docker.io/Library/ubuntu", "lowercase")]
    [InlineData("ubuntu:", "tag")]
    [InlineData("ubuntu:-x", "tag")]
    [InlineData("ubuntu:.x", "tag")]
    [InlineData("ubuntu:a/b", "registry")]
    [InlineData("ubuntu@sha256:abc", "digest")]
    [InlineData("ubuntu@md5:0123", "digest")]
    [InlineData("a//b", "component")]
    [InlineData("a/-b", "component")]
    [InlineData("a/b_", "component")]
    [InlineData("a/b...c", "component")]
    [InlineData("localhost:5000/", "empty")]
    [InlineData("host_name:5000/app", "registry")]
    [InlineData("-host.io/app", "registry")]
    public void Malformed_references_throw_KT2002_with_the_reason(string text, string reasonFragment)
    {
        var error = Assert.Throws<KtException>(() => ImageReference.Parse(text));

        Assert.Equal("KT2002", error.Code);
        Assert.Contains(reasonFragment, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(ImageReference.TryParse(text, out _));
    }

    [Fact]
    public void Tags_longer_than_128_characters_are_refused()
    {
        Assert.Equal("KT2002", Assert.Throws<KtException>(() => ImageReference.Parse("app:" + new string('a', 129))).Code);
        Assert.Equal(new string('a', 128), ImageReference.Parse("app:" + new string('a', 128)).Tag);
    }

    [Fact]
    public void WithTag_and_WithDigest_give_new_references()
    {
        var reference = ImageReference.Parse("localhost:5000/app:1");
        var digest = Digest.FromSha256Hex(Hex);

        Assert.Equal("localhost:5000/app:2", reference.WithTag("2").ToString());
        Assert.Equal($"localhost:5000/app:1@sha256:{Hex}", reference.WithDigest(digest).ToString());
        Assert.Equal("localhost:5000/app:1", reference.ToString());
        Assert.Equal("KT2002", Assert.Throws<KtException>(() => reference.WithTag("bad tag")).Code);
    }

    [Theory]
    [InlineData("localhost:5000/app", true)]
    [InlineData("localhost/app", true)]
    [InlineData("127.0.0.1:5000/app", true)]
    [InlineData("127.1.2.3/app", true)]
    [InlineData("[::1]:5000/app", true)]
    [InlineData("ghcr.io/app", false)]
    [InlineData("127.0.0.1.example.com/app", false)]
    [InlineData("app", false)]
    public void Only_loopback_registries_are_insecure(string text, bool loopback)
    {
        Assert.Equal(loopback, ImageReference.Parse(text).IsInsecureLoopback);
    }

    [Fact]
    public void Docker_hub_api_host_is_registry_1()
    {
        Assert.Equal("registry-1.docker.io", ImageReference.Parse("ubuntu").RegistryHost);
        Assert.Equal("ghcr.io", ImageReference.Parse("ghcr.io/a/b").RegistryHost);
    }
}
