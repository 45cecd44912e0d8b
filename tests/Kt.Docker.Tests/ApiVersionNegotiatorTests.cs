using Kt.Core;

namespace Kt.Docker.Tests;

public class ApiVersionNegotiatorTests
{
    private const string Endpoint = "unix:///var/run/docker.sock";

    [Fact]
    public void Docker_20_10_gets_its_own_maximum_1_41()
    {
        Assert.Equal(new Version(1, 41), ApiVersionNegotiator.Negotiate(new Version(1, 41), new Version(1, 12), null, Endpoint));
    }

    [Fact]
    public void Docker_29_gets_Kts_maximum_which_is_at_least_its_minimum_1_44()
    {
        var chosen = ApiVersionNegotiator.Negotiate(new Version(1, 52), new Version(1, 44), null, Endpoint);

        Assert.Equal(DockerApiVersionRange.Maximum, chosen);
        Assert.True(chosen >= new Version(1, 44));
    }

    [Fact]
    public void An_engine_older_than_Kts_floor_is_refused_with_KT3002()
    {
        var error = Assert.Throws<KtException>(() => ApiVersionNegotiator.Negotiate(new Version(1, 40), new Version(1, 12), null, Endpoint));

        Assert.Equal("KT3002", error.Code);
        Assert.Contains("1.12..1.40", error.Message, StringComparison.Ordinal);
        Assert.Contains("upgrade the engine", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_engine_whose_minimum_is_above_Kts_ceiling_is_refused_with_KT3002()
    {
        var error = Assert.Throws<KtException>(() => ApiVersionNegotiator.Negotiate(new Version(1, 70), new Version(1, 60), null, Endpoint));

        Assert.Equal("KT3002", error.Code);
        Assert.Contains("upgrade Kt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forced_version_inside_the_engines_range_is_used_as_is()
    {
        Assert.Equal(new Version(1, 30), ApiVersionNegotiator.Negotiate(new Version(1, 41), new Version(1, 12), new Version(1, 30), Endpoint));
    }

    [Fact]
    public void A_forced_version_the_engine_cannot_speak_is_KT3002_naming_DOCKER_API_VERSION()
    {
        var error = Assert.Throws<KtException>(() => ApiVersionNegotiator.Negotiate(new Version(1, 41), new Version(1, 12), new Version(1, 44), Endpoint));

        Assert.Equal("KT3002", error.Code);
        Assert.Contains("DOCKER_API_VERSION=1.44", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_engine_without_a_minimum_is_taken_to_support_only_its_maximum()
    {
        Assert.Throws<KtException>(() => ApiVersionNegotiator.Negotiate(new Version(1, 41), null, new Version(1, 40), Endpoint));
        Assert.Equal(new Version(1, 41), ApiVersionNegotiator.Negotiate(new Version(1, 41), null, null, Endpoint));
    }

    [Theory]
    [InlineData("1.41", 1, 41)]
    [InlineData(" v1.44 ", 1, 44)]
    public void Versions_parse_as_major_minor(string text, int major, int minor)
    {
        Assert.Equal(new Version(major, minor), ApiVersionNegotiator.ParseOrNull(text, "test"));
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("1.41.2")]
    [InlineData("1")]
    public void Malformed_versions_are_KT3003(string text)
    {
        Assert.Equal("KT3003", Assert.Throws<KtException>(() => ApiVersionNegotiator.ParseOrNull(text, "DOCKER_API_VERSION")).Code);
    }
}
