using Kt.Core;

namespace Kt.Docker.Tests;

/// <summary>One negotiated connection shared by the tests of a class (connecting is cheap, but there is no need to repeat it).</summary>
public sealed class EngineFixture : IAsyncLifetime
{
    private DockerConnection? _connection;

    public DockerConnection Connection => _connection ?? throw new InvalidOperationException("no Docker engine");

    public async Task InitializeAsync()
    {
        if (Environments.HasDocker)
        {
            _connection = await DockerEngineConnector.ConnectAsync(
                DockerConnectOptions.FromEnvironment(name => name == "DOCKER_HOST" ? "unix:///var/run/docker.sock" : null));
        }
    }

    public Task DisposeAsync()
    {
        _connection?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>A request with the defaults most tests want.</summary>
    public static StepRunRequest Step(string shell, string layerTarPath, Action<string>? output = null,
        IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null, string? user = null,
        string image = Environments.TestBaseImage) =>
        new(image, shell, environment ?? new Dictionary<string, string>(), workingDirectory, user, layerTarPath, output);
}
