using System.Globalization;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Kt.Core;

namespace Kt.Docker;

/// <summary>
/// Long-running containers and networks for the local "docker" deploy backend. Everything a backend creates should
/// carry its labels, so that listing by label is how it finds (and cleans up) its own things across processes.
/// </summary>
public sealed class DockerContainers
{
    private const string LoopbackAddress = "127.0.0.1";
    private readonly DockerConnection _connection;

    /// <summary>Uses <paramref name="connection"/> (not disposed by this class).</summary>
    public DockerContainers(DockerConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    private DockerClient Client => _connection.Client;

    /// <summary>Returns the id of the network called <paramref name="name"/>, creating a bridge network if there is none.</summary>
    public async Task<string> EnsureNetworkAsync(string name, IReadOnlyDictionary<string, string>? labels = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (await FindNetworkIdAsync(name, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        try
        {
            var created = await Client.Networks.CreateNetworkAsync(new NetworksCreateParameters
            {
                Name = name,
                Driver = "bridge",
                Labels = labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels),
            }, cancellationToken).ConfigureAwait(false);
            return created.ID;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // Another process created it between our lookup and create.
            return await FindNetworkIdAsync(name, cancellationToken).ConfigureAwait(false) ?? throw DockerEngine.RequestFailed("POST /networks/create", ex);
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.RequestFailed("POST /networks/create", ex);
        }
    }

    /// <summary>Removes the network if it exists. Containers still attached make the engine refuse (KT3006).</summary>
    public async Task RemoveNetworkAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (await FindNetworkIdAsync(name, cancellationToken).ConfigureAwait(false) is not { } id)
        {
            return;
        }

        try
        {
            await Client.Networks.DeleteNetworkAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerNetworkNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.RequestFailed($"DELETE /networks/{name}", ex);
        }
    }

    /// <summary>True when a network with exactly this name exists.</summary>
    public async Task<bool> NetworkExistsAsync(string name, CancellationToken cancellationToken = default) =>
        await FindNetworkIdAsync(name, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// Creates and starts a container. If starting fails the created container is removed again. Published ports are
    /// bound to 127.0.0.1 only; the returned <see cref="StartedContainer.HostPorts"/> says where each one landed.
    /// </summary>
    public async Task<StartedContainer> RunAsync(ContainerSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var created = await CreateAsync(spec, cancellationToken).ConfigureAwait(false);
        try
        {
            await Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);
            var status = await InspectAsync(created.ID, cancellationToken).ConfigureAwait(false)
                ?? throw new KtException(DockerErrorCodes.EngineRequestFailed, $"container {spec.Name} vanished right after it started.");
            foreach (var port in spec.PublishedPorts.Where(port => !status.HostPorts.ContainsKey(port)))
            {
                throw new KtException(DockerErrorCodes.PortNotPublished,
                    $"container {spec.Name} ({status.Status}) does not publish port {port}; it may have exited at once.");
            }

            return new StartedContainer(created.ID, spec.Name, status.HostPorts);
        }
        catch (Exception ex) when (ex is DockerApiException or KtException or OperationCanceledException)
        {
            await RemoveAsync(created.ID, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            throw ex is DockerApiException api ? DockerEngine.RequestFailed($"POST /containers/{spec.Name}/start", api) : ex;
        }
    }

    /// <summary>All containers (running or not) that carry <paramref name="label"/>, optionally with a given value.</summary>
    public async Task<IReadOnlyList<ContainerSummary>> ListByLabelAsync(string label, string? value = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(label);
        var filter = value is null ? label : $"{label}={value}";
        try
        {
            var containers = await Client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [filter] = true } },
            }, cancellationToken).ConfigureAwait(false);
            return containers
                .Select(c => new ContainerSummary(
                    c.ID,
                    c.Names?.FirstOrDefault()?.TrimStart('/') ?? "",
                    c.Image ?? "",
                    c.State ?? "",
                    ReadOnly(c.Labels),
                    new DateTimeOffset(DateTime.SpecifyKind(c.Created, DateTimeKind.Utc))))
                .ToList();
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.RequestFailed("GET /containers/json", ex);
        }
    }

    /// <summary>The container's state, or null when there is no such container.</summary>
    public async Task<ContainerStatus?> InspectAsync(string idOrName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrName);
        ContainerInspectResponse inspect;
        try
        {
            inspect = await Client.Containers.InspectContainerAsync(idOrName, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
            return null;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.RequestFailed($"GET /containers/{idOrName}/json", ex);
        }

        var state = inspect.State;
        var hasExited = state is not null && !state.Running && state.Status is "exited" or "dead";
        return new ContainerStatus(
            inspect.ID,
            inspect.Name?.TrimStart('/') ?? "",
            state?.Status ?? "",
            state?.Running ?? false,
            hasExited ? checked((int)state!.ExitCode) : null,
            state?.OOMKilled ?? false,
            ReadOnly(inspect.Config?.Labels),
            HostPorts(inspect.NetworkSettings?.Ports));
    }

    /// <summary>Stops (SIGTERM, then SIGKILL after <paramref name="gracePeriod"/>) and removes; absent is fine.</summary>
    public async Task RemoveAsync(string idOrName, TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrName);
        try
        {
            if (gracePeriod > TimeSpan.Zero)
            {
                await Client.Containers.StopContainerAsync(idOrName,
                    new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(gracePeriod.TotalSeconds) }, cancellationToken).ConfigureAwait(false);
            }

            await Client.Containers.RemoveContainerAsync(idOrName, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DockerContainerNotFoundException)
        {
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.RequestFailed($"DELETE /containers/{idOrName}", ex);
        }
    }

    /// <summary>Unpacks <paramref name="tar"/> into <paramref name="containerPath"/> (a directory that must exist) inside the container.</summary>
    public async Task CopyTarIntoAsync(string idOrName, string containerPath, Stream tar, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrName);
        ArgumentException.ThrowIfNullOrWhiteSpace(containerPath);
        ArgumentNullException.ThrowIfNull(tar);
        try
        {
            await Client.Containers.ExtractArchiveToContainerAsync(idOrName, new CopyToContainerParameters { Path = containerPath }, tar, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.RequestFailed($"PUT /containers/{idOrName}/archive", ex);
        }
    }

    private async Task<CreateContainerResponse> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        var ports = spec.PublishedPorts.Select(port => string.Create(CultureInfo.InvariantCulture, $"{port}/tcp")).ToList();
        var parameters = new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            // Null (left out of the request) keeps the image's CMD / ENTRYPOINT.
            Cmd = spec.Command?.ToList()!,
            Entrypoint = spec.Entrypoint?.ToList()!,
            Env = spec.Environment.Select(pair => $"{pair.Key}={pair.Value}").ToList(),
            Labels = new Dictionary<string, string>(spec.Labels),
            WorkingDir = spec.WorkingDirectory ?? "",
            User = spec.User ?? "",
            ExposedPorts = ports.ToDictionary(port => port, _ => new EmptyStruct()),
            HostConfig = new HostConfig
            {
                // Empty HostPort: the engine picks a free one, so parallel deployments never collide.
                PortBindings = ports.ToDictionary(port => port,
                    IList<PortBinding> (_) => [new PortBinding { HostIP = LoopbackAddress, HostPort = "" }]),
                Binds = spec.Mounts.Select(m => $"{m.HostPath}:{m.ContainerPath}{(m.ReadOnly ? ":ro" : "")}").ToList(),
                NetworkMode = spec.Network ?? "default",
                NanoCPUs = spec.Resources?.Cpus is { } cpus ? (long)(cpus * 1e9) : 0,
                Memory = spec.Resources?.MemoryBytes ?? 0,
                // The equivalent of `docker run --gpus N` (the NVIDIA container toolkit must be installed in the engine).
                DeviceRequests = spec.Resources is { Gpus: > 0 } resources
                    ? [new DeviceRequest { Driver = "nvidia", Count = resources.Gpus, Capabilities = [["gpu"]] }]
                    : null!,
            },
        };
        if (spec.Network is not null)
        {
            parameters.NetworkingConfig = new NetworkingConfig
            {
                EndpointsConfig = new Dictionary<string, EndpointSettings>
                {
                    [spec.Network] = new() { Aliases = spec.NetworkAliases?.ToList() ?? [] },
                },
            };
        }

        try
        {
            return await Client.Containers.CreateContainerAsync(parameters, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound && (ex.ResponseBody ?? "").Contains("image", StringComparison.OrdinalIgnoreCase))
        {
            throw new KtException(DockerErrorCodes.ImageNotFound,
                $"image '{spec.Image}' is not in the Docker engine at {_connection.Endpoint} (Kt never pulls; load it first).", ex);
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.RequestFailed($"POST /containers/create (name {spec.Name})", ex);
        }
    }

    private async Task<string?> FindNetworkIdAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            // The engine's name filter matches substrings; keep only the exact name.
            var networks = await Client.Networks.ListNetworksAsync(new NetworksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } },
            }, cancellationToken).ConfigureAwait(false);
            return networks.FirstOrDefault(n => n.Name == name)?.ID;
        }
        catch (DockerApiException ex)
        {
            throw DockerEngine.RequestFailed("GET /networks", ex);
        }
    }

    private static Dictionary<int, int> HostPorts(IDictionary<string, IList<PortBinding>>? ports)
    {
        var result = new Dictionary<int, int>();
        foreach (var (key, bindings) in ports ?? new Dictionary<string, IList<PortBinding>>())
        {
            var slash = key.IndexOf('/', StringComparison.Ordinal);
            var isTcp = slash < 0 || key[(slash + 1)..] == "tcp";
            if (isTcp && int.TryParse(slash < 0 ? key : key[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var containerPort) &&
                bindings?.FirstOrDefault(b => int.TryParse(b?.HostPort, NumberStyles.None, CultureInfo.InvariantCulture, out _)) is { } binding)
            {
                result[containerPort] = int.Parse(binding.HostPort, CultureInfo.InvariantCulture);
            }
        }

        return result;
    }

    private static Dictionary<string, string> ReadOnly(IDictionary<string, string>? labels) =>
        labels is null ? [] : new Dictionary<string, string>(labels);
}
