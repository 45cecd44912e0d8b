using System.Diagnostics;
using System.Globalization;
using Kt.Docker;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop.Backends;

/// <summary>
/// Pods as containers of the local Docker engine, created from the service's base image (any glibc image) on a private
/// network. Nothing is built: this machine's .NET and the pod runtime are bind-mounted read-only, so the base image
/// needs no .NET of its own. Containers carry <c>dev.kt.*</c> labels, which is how a later deploy finds them.
/// </summary>
public sealed class DockerBackend : IComputeBackend, IServiceCatalog
{
    public const string ServiceLabel = "dev.kt.service";
    public const string RankLabel = "dev.kt.rank";
    public const string WorldSizeLabel = "dev.kt.world-size";
    public const int RuntimePort = 32300;
    private const int MasterPort = 29500;
    private const string ContainerTokenFile = "/var/run/kt/token";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Lazy<PodRuntimeFiles> _runtime;
    private readonly DockerConnectOptions? _options;
    private DockerEngine? _engine;

    public DockerBackend(PodRuntimeFiles? runtime = null, DockerConnectOptions? options = null)
    {
        _runtime = new Lazy<PodRuntimeFiles>(() => runtime ?? PodRuntimeFiles.Locate());
        _options = options;
    }

    public string Name => ComputeBackends.Docker;

    public static string NetworkName(string service) => $"kt-{service}";

    public static string ContainerName(string service, int rank) => $"kt-{service}-{rank.ToString(CultureInfo.InvariantCulture)}";

    public async Task<ServicePods> EnsureAsync(ServiceSpec spec, CancellationToken cancellationToken = default)
    {
        spec.Validate();
        if (string.IsNullOrWhiteSpace(spec.BaseImage))
        {
            throw new KtException(DevLoopErrors.InvalidService, "the docker backend needs a base image: set KtBaseImage (or Compute.Image).");
        }

        if (await RememberedAsync(spec.Service, spec, cancellationToken).ConfigureAwait(false) is { } remembered)
        {
            return remembered;
        }

        var containers = await ContainersAsync(cancellationToken).ConfigureAwait(false);
        var existing = await containers.ListByLabelAsync(ServiceLabel, spec.Service, cancellationToken).ConfigureAwait(false);
        var worldSize = spec.Replicas.ToString(CultureInfo.InvariantCulture);
        if (existing.Any(c => c.Labels.GetValueOrDefault(WorldSizeLabel) != worldSize || c.Image != spec.BaseImage))
        {
            // Ranks know the world size, and a container's image is fixed: either change means a new set of pods. The new
            // base is checked first, so a deploy that cannot start pods leaves the running ones serving.
            await EnsureBaseImageAsync(spec.BaseImage, cancellationToken).ConfigureAwait(false);
            await RemoveAllAsync(containers, existing, cancellationToken).ConfigureAwait(false);
            existing = [];
        }
        else if (existing.Count == spec.Replicas && await RunningPodsAsync(containers, spec.Service, existing, cancellationToken).ConfigureAwait(false) is { } running
                 && await AllAnswerAsync(running, cancellationToken).ConfigureAwait(false))
        {
            // Every pod runs and answers, so the image and network checks below are not needed.
            Remember(spec, running);
            return running;
        }

        await EnsureBaseImageAsync(spec.BaseImage, cancellationToken).ConfigureAwait(false);
        await containers.EnsureNetworkAsync(NetworkName(spec.Service), new Dictionary<string, string> { [ServiceLabel] = spec.Service }, cancellationToken).ConfigureAwait(false);
        var token = ServiceToken.ReadOrCreate(TokenFile(spec.Service));
        var results = await Task.WhenAll(Enumerable.Range(0, spec.Replicas).Select(async rank =>
        {
            var name = ContainerName(spec.Service, rank);
            var found = existing.FirstOrDefault(c => c.Name == name);
            if (found is not null && await RunningEndpointAsync(containers, name, token, cancellationToken).ConfigureAwait(false) is { } endpoint
                && await ServiceToken.AnswersAsync(endpoint, cancellationToken).ConfigureAwait(false))
            {
                return (Endpoint: endpoint, Created: false);
            }

            if (found is not null)
            {
                await containers.RemoveAsync(found.Id, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
            }

            return (Endpoint: await StartAsync(containers, spec, rank, token, cancellationToken).ConfigureAwait(false), Created: true);
        })).ConfigureAwait(false);
        var pods = new ServicePods(spec.Service, Name, results.Select(r => r.Endpoint).ToList(), results.Count(r => r.Created), TokenFile(spec.Service));
        Remember(spec, pods);
        return pods;
    }

    public async Task<ServicePods?> FindAsync(string service, CancellationToken cancellationToken = default)
    {
        if (await RememberedAsync(service, null, cancellationToken).ConfigureAwait(false) is { } remembered)
        {
            return remembered;
        }

        var containers = await ContainersAsync(cancellationToken).ConfigureAwait(false);
        var existing = await containers.ListByLabelAsync(ServiceLabel, service, cancellationToken).ConfigureAwait(false);
        return await RunningPodsAsync(containers, service, existing, cancellationToken).ConfigureAwait(false);
    }

    public async Task<PodEndpoint> RecreateAsync(ServiceSpec spec, int rank, CancellationToken cancellationToken = default)
    {
        var containers = await ContainersAsync(cancellationToken).ConfigureAwait(false);
        await containers.RemoveAsync(ContainerName(spec.Service, rank), TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        File.Delete(StatePath(spec.Service)); // the next deploy asks the engine again
        return await StartAsync(containers, spec, rank, ServiceToken.ReadOrCreate(TokenFile(spec.Service)), cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> TeardownAsync(string service, CancellationToken cancellationToken = default)
    {
        var containers = await ContainersAsync(cancellationToken).ConfigureAwait(false);
        var existing = await containers.ListByLabelAsync(ServiceLabel, service, cancellationToken).ConfigureAwait(false);
        await RemoveAllAsync(containers, existing, cancellationToken).ConfigureAwait(false);
        var network = await containers.NetworkExistsAsync(NetworkName(service), cancellationToken).ConfigureAwait(false);
        if (network)
        {
            await containers.RemoveNetworkAsync(NetworkName(service), cancellationToken).ConfigureAwait(false);
        }

        var folder = KtHome.Combine("docker", service);
        var hadFolder = Directory.Exists(folder);
        if (hadFolder)
        {
            Directory.Delete(folder, recursive: true);
        }

        return existing.Count > 0 || network || hadFolder;
    }

    /// <summary>Containers are the pods' own machines: every step runs as declared.</summary>
    public LivePlan Adapt(LivePlan plan, ServiceSpec spec, PodEndpoint pod) => plan;

    /// <summary>Every container with a <see cref="ServiceLabel"/>, by service; one that stopped says how (exit code, OOM).</summary>
    public async Task<IReadOnlyList<CatalogService>> ListAsync(CancellationToken cancellationToken = default)
    {
        var containers = await ContainersAsync(cancellationToken).ConfigureAwait(false);
        var all = await containers.ListByLabelAsync(ServiceLabel, cancellationToken: cancellationToken).ConfigureAwait(false);
        var services = new List<CatalogService>();
        foreach (var service in all.GroupBy(c => c.Labels[ServiceLabel], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var pods = new List<CatalogPod>();
            foreach (var container in service.OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                var rank = int.TryParse(container.Labels.GetValueOrDefault(RankLabel), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : -1;
                var events = new List<string> { $"container {container.Name} from {container.Image}: {container.State}" };
                if (container.State != "running" && await containers.InspectAsync(container.Id, cancellationToken).ConfigureAwait(false) is { } status)
                {
                    events.Add($"exit code {status.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}{(status.OomKilled ? ", killed for memory (OOM)" : "")}; see `docker logs {container.Name}`");
                }

                pods.Add(new CatalogPod(container.Name, rank, container.State, container.Created, events));
            }

            services.Add(new CatalogService(service.Key, Name, null, service.First().Image, pods.OrderBy(p => p.Rank).ToList()));
        }

        return services;
    }

    public void Dispose() => _engine?.Dispose();

    /// <summary>
    /// How rank <paramref name="rank"/>'s runtime starts: the frozen image's layout (<see cref="PodRuntimeLayout"/>, with
    /// this machine's .NET and runtime mounted there), one node per container (rank 0's container is the master).
    /// </summary>
    internal static RuntimeLaunch Launch(ServiceSpec spec, int rank) => new()
    {
        Port = RuntimePort,
        Root = PodRuntimeLayout.DataRoot,
        TokenFile = ContainerTokenFile,
        Service = spec.Service,
        PodName = ContainerName(spec.Service, rank),
        WorldSize = spec.Replicas,
        Rank = rank,
        LocalRank = 0,
        NodeRank = rank,
        MasterAddr = ContainerName(spec.Service, 0),
        MasterPort = MasterPort,
        OtlpEndpoint = spec.OtlpEndpoint,
        OtlpProtocol = spec.OtlpProtocol,
    };

    private async Task<PodEndpoint> StartAsync(DockerContainers containers, ServiceSpec spec, int rank, string token, CancellationToken cancellationToken)
    {
        var runtime = _runtime.Value;
        var name = ContainerName(spec.Service, rank);
        string I(int value) => value.ToString(CultureInfo.InvariantCulture);
        var line = Launch(spec, rank).Write();
        var environment = new Dictionary<string, string>(line.Environment)
        {
            // Not DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: user code gets its own runtimeconfig's globalization mode,
            // as in the frozen image and under `dotnet App.dll` (the runtime itself is built invariant).
            ["DOTNET_ROOT"] = PodRuntimeLayout.DotnetRoot,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        var container = new ContainerSpec(
            Name: name,
            Image: spec.BaseImage!,
            Command: [PodRuntimeLayout.Command[1], .. line.Arguments],
            Environment: environment,
            Labels: new Dictionary<string, string>
            {
                [ServiceLabel] = spec.Service,
                [RankLabel] = I(rank),
                [WorldSizeLabel] = I(spec.Replicas),
            },
            PublishedPorts: [RuntimePort],
            Mounts:
            [
                new BindMount(runtime.DotnetRoot, PodRuntimeLayout.DotnetRoot, ReadOnly: true),
                new BindMount(runtime.RuntimeDirectory, PodRuntimeLayout.RuntimeDirectory, ReadOnly: true),
                new BindMount(TokenFile(spec.Service), ContainerTokenFile, ReadOnly: true),
            ],
            Network: NetworkName(spec.Service),
            NetworkAliases: [name],
            Entrypoint: [PodRuntimeLayout.Command[0]],
            Resources: new ContainerResources(Quantities.Cpus(spec.Cpus, "KtCpus"), Quantities.Bytes(spec.Memory, "KtMemory"), spec.Gpus));

        var started = await containers.RunAsync(container, cancellationToken).ConfigureAwait(false);
        var endpoint = new PodEndpoint(rank, name, new Uri($"http://127.0.0.1:{started.HostPorts[RuntimePort]}/"), token);
        var clock = Stopwatch.StartNew();
        while (!await ServiceToken.AnswersAsync(endpoint, cancellationToken).ConfigureAwait(false))
        {
            var status = await containers.InspectAsync(started.Id, cancellationToken).ConfigureAwait(false);
            if (status is not { Running: true } || clock.Elapsed > StartTimeout)
            {
                var why = status is { Running: true } ? $"did not answer within {StartTimeout.TotalSeconds:0} s" : $"stopped (exit code {status?.ExitCode})";
                throw new KtException(DevLoopErrors.PodStartFailed,
                    $"container {name} from {spec.BaseImage} {why}. The base image must be glibc-based with /bin/sh, libstdc++ and libssl (as runtime-deps, CUDA and PyTorch images are); see `docker logs {name}`.");
            }

            await Task.Delay(10, cancellationToken).ConfigureAwait(false);
        }

        return endpoint;
    }

    /// <summary>
    /// The pods as last recorded, when every one still answers /health with its own name and token and, for a deploy,
    /// the image and world size are the ones asked for; else null (the engine is asked instead).
    /// </summary>
    private static async Task<ServicePods?> RememberedAsync(string service, ServiceSpec? spec, CancellationToken cancellationToken)
    {
        var tokenFile = TokenFile(service);
        if (DockerServiceState.Read(StatePath(service)) is not { } state || !File.Exists(tokenFile)
            || (spec is not null && (state.Image != spec.BaseImage || state.WorldSize != spec.Replicas)))
        {
            return null;
        }

        var token = File.ReadAllText(tokenFile).Trim();
        var pods = new ServicePods(service, ComputeBackends.Docker, state.Pods.OrderBy(p => p.Rank).Select(p => new PodEndpoint(p.Rank, p.Name, p.Address, token)).ToList(), 0, tokenFile);
        return pods.Pods.Count == state.WorldSize && await AllAnswerAsync(pods, cancellationToken).ConfigureAwait(false) ? pods : null;
    }

    private static void Remember(ServiceSpec spec, ServicePods pods) =>
        new DockerServiceState(spec.BaseImage!, spec.Replicas, pods.Pods.Select(p => new DockerPodState(p.Rank, p.Name, p.Address)).ToList()).Write(StatePath(spec.Service));

    private static string StatePath(string service) => KtHome.Combine("docker", service, "service.json");

    /// <summary>The pods of <paramref name="existing"/> when every one of them runs, else null.</summary>
    private static async Task<ServicePods?> RunningPodsAsync(DockerContainers containers, string service, IReadOnlyList<ContainerSummary> existing, CancellationToken cancellationToken)
    {
        var tokenFile = TokenFile(service);
        if (existing.Count == 0 || !File.Exists(tokenFile))
        {
            return null;
        }

        var token = File.ReadAllText(tokenFile).Trim();
        var endpoints = await Task.WhenAll(existing.Select(c => RunningEndpointAsync(containers, c.Name, token, cancellationToken))).ConfigureAwait(false);
        return endpoints.Any(e => e is null)
            ? null
            : new ServicePods(service, ComputeBackends.Docker, endpoints.Select(e => e!).OrderBy(p => p.Rank).ToList(), 0, tokenFile);
    }

    private static async Task<bool> AllAnswerAsync(ServicePods pods, CancellationToken cancellationToken) =>
        (await Task.WhenAll(pods.Pods.Select(p => ServiceToken.AnswersAsync(p, cancellationToken))).ConfigureAwait(false)).All(ok => ok);

    private static async Task<PodEndpoint?> RunningEndpointAsync(DockerContainers containers, string name, string token, CancellationToken cancellationToken)
    {
        var status = await containers.InspectAsync(name, cancellationToken).ConfigureAwait(false);
        if (status is not { Running: true } || !status.HostPorts.TryGetValue(RuntimePort, out var port)
            || !int.TryParse(status.Labels.GetValueOrDefault(RankLabel), NumberStyles.None, CultureInfo.InvariantCulture, out var rank))
        {
            return null;
        }

        return new PodEndpoint(rank, name, new Uri($"http://127.0.0.1:{port}/"), token);
    }


    private static async Task RemoveAllAsync(DockerContainers containers, IReadOnlyList<ContainerSummary> existing, CancellationToken cancellationToken)
    {
        await Task.WhenAll(existing.Select(c => containers.RemoveAsync(c.Id, TimeSpan.FromSeconds(5), cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>The base in the engine, pulled when it is only in its registry (as a cluster would); else KT7006.</summary>
    private async Task EnsureBaseImageAsync(string baseImage, CancellationToken cancellationToken)
    {
        var engine = await EngineAsync(cancellationToken).ConfigureAwait(false);
        if (await engine.ImageExistsAsync(baseImage, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        // One base reference serves docker dev and freeze: an image only in its registry is pulled, as a cluster would.
        try
        {
            await engine.PullImageAsync(baseImage, cancellationToken).ConfigureAwait(false);
        }
        catch (KtException pull) when (pull.Code == DockerErrorCodes.ImagePullFailed)
        {
            throw new KtException(DevLoopErrors.BaseImageMissing,
                $"the base image '{baseImage}' is not in the Docker engine, and the engine could not pull it ({pull.Detail}). "
                + "Load or build it into the engine (docker load / docker build), or push it to a registry the engine reaches. "
                + "Nothing running was removed.", pull);
        }
    }

    private async Task<DockerEngine> EngineAsync(CancellationToken cancellationToken) =>
        _engine ??= await DockerEngine.ConnectAsync(_options, cancellationToken).ConfigureAwait(false);

    private async Task<DockerContainers> ContainersAsync(CancellationToken cancellationToken) =>
        new((await EngineAsync(cancellationToken).ConfigureAwait(false)).Connection);

    private static string TokenFile(string service) => KtHome.Combine("docker", service, "token");

}
