using Kt.Core;

namespace Kt.Docker.Tests;

public class DockerConnectOptionsTests
{
    private static DockerConnectOptions From(params (string Name, string Value)[] variables) =>
        DockerConnectOptions.FromEnvironment(name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void Without_variables_the_local_socket_is_used_and_the_version_negotiated()
    {
        var options = From();

        Assert.Equal(new Uri("unix:///var/run/docker.sock"), options.Endpoint);
        Assert.Null(options.ForcedApiVersion);
    }

    [Fact]
    public void DOCKER_HOST_and_DOCKER_API_VERSION_are_honoured()
    {
        var options = From(("DOCKER_HOST", "tcp://10.0.0.5:2375"), ("DOCKER_API_VERSION", "1.43"));

        Assert.Equal(new Uri("tcp://10.0.0.5:2375"), options.Endpoint);
        Assert.Equal(new Version(1, 43), options.ForcedApiVersion);
    }

    [Theory]
    [InlineData("ssh://me@host", "ssh://")]
    [InlineData("ftp://host", "unsupported scheme")]
    [InlineData("not a uri", "not a URI")]
    public void Unusable_DOCKER_HOST_values_are_KT3003(string value, string expected)
    {
        var error = Assert.Throws<KtException>(() => From(("DOCKER_HOST", value)));

        Assert.Equal("KT3003", error.Code);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_TLS_tcp_endpoint_is_refused_up_front_with_KT3003()
    {
        var error = Assert.Throws<KtException>(() => From(("DOCKER_HOST", "tcp://host:2376"), ("DOCKER_TLS_VERIFY", "1")));

        Assert.Equal("KT3003", error.Code);
    }
}
