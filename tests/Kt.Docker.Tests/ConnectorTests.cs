using Kt.Core;

namespace Kt.Docker.Tests;

public class ConnectorTests
{
    private static DockerConnectOptions Local(string? apiVersion = null) =>
        DockerConnectOptions.FromEnvironment(name => name switch
        {
            "DOCKER_HOST" => "unix:///var/run/docker.sock",
            "DOCKER_API_VERSION" => apiVersion,
            _ => null,
        });

    [DockerFact]
    public async Task Negotiation_picks_1_41_against_the_Docker_20_10_engine()
    {
        using var engine = await DockerEngine.ConnectAsync(Local());

        var info = await engine.PingAsync();

        Assert.Equal(new Version(1, 41), engine.Connection.ApiVersion);
        Assert.Equal("1.41", info.ApiVersion);
        Assert.Equal("linux", info.Os);
        Assert.False(string.IsNullOrEmpty(info.Architecture));
        Assert.StartsWith("20.10", info.ServerVersion, StringComparison.Ordinal);
    }

    [DockerFact]
    public async Task DOCKER_API_VERSION_overrides_negotiation_and_the_engine_accepts_it()
    {
        using var engine = await DockerEngine.ConnectAsync(Local("1.40"));

        Assert.Equal(new Version(1, 40), engine.Connection.ApiVersion);
        Assert.True(await engine.ImageExistsAsync(Environments.TestBaseImage));
    }

    [DockerFact]
    public async Task A_DOCKER_API_VERSION_newer_than_the_engine_is_KT3002()
    {
        var error = await Assert.ThrowsAsync<KtException>(() => DockerEngine.ConnectAsync(Local("1.44")));

        Assert.Equal("KT3002", error.Code);
        Assert.Contains("1.41", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_engine_at_the_endpoint_is_KT3001_telling_what_to_do()
    {
        var socket = Path.Combine(Path.GetTempPath(), $"kt-no-engine-{Guid.NewGuid():N}.sock");
        var options = new DockerConnectOptions(new Uri($"unix://{socket}"), null, TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<KtException>(() => DockerEngineConnector.ConnectAsync(options));

        Assert.Equal("KT3001", error.Code);
        Assert.Contains($"no Docker engine at unix://{socket}", error.Message, StringComparison.Ordinal);
        Assert.Contains("start dockerd or set DOCKER_HOST", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_tcp_endpoint_is_KT3001()
    {
        // Port 9 (discard) is essentially never open on a test machine.
        var options = new DockerConnectOptions(new Uri("tcp://127.0.0.1:9"), null, TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<KtException>(() => DockerEngineConnector.ConnectAsync(options));

        Assert.Equal("KT3001", error.Code);
    }
}
