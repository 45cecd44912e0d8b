using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop.Backends;

/// <summary>
/// The embedded default: every replica is a pod runtime process on 127.0.0.1 with its own root folder under
/// <c>$KT_HOME/process/&lt;service&gt;/</c>. The processes outlive the deploy that started them; the state file and
/// each pod's root (journal, blobs, versions) survive them, so a restarted pod comes back with its journal.
/// </summary>
public sealed class ProcessBackend : IComputeBackend, IServiceCatalog
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(15);
    private readonly Lazy<PodRuntimeFiles> _runtime;

    public ProcessBackend(PodRuntimeFiles? runtime = null)
    {
        _runtime = new Lazy<PodRuntimeFiles>(() => runtime ?? PodRuntimeFiles.Locate());
    }

    public string Name => ComputeBackends.Process;

    public static string ServiceFolder(string service) => KtHome.Combine("process", service);

    public async Task<ServicePods> EnsureAsync(ServiceSpec spec, CancellationToken cancellationToken = default)
    {
        spec.Validate();
        var folder = ServiceFolder(spec.Service);
        Directory.CreateDirectory(folder);
        using var serviceLock = await ServiceLock.AcquireAsync(folder, cancellationToken).ConfigureAwait(false);
        var token = ServiceToken.ReadOrCreate(TokenFile(folder));
        var state = ProcessServiceState.Read(StatePath(folder));
        if (state is not null && state.WorldSize != spec.Replicas)
        {
            // Every rank was told the world size when it started: a new size means a new world.
            await StopServiceAsync(folder, state, cancellationToken).ConfigureAwait(false);
            state = null;
        }

        // A lost state file does not lose the world: its runtimes still say their master port.
        var masterPort = state?.MasterPort ?? SurvivingMasterPort(folder, spec.Replicas) ?? Kt.Core.LoopbackPort.Free();
        var results = await Task.WhenAll(Enumerable.Range(0, spec.Replicas).Select(rank =>
            ReuseOrStartAsync(spec, folder, token, masterPort, rank, cancellationToken))).ConfigureAwait(false);
        // Runtimes of ranks this world does not have (a torn state file forgot a larger world) serve nobody.
        var roots = Enumerable.Range(0, spec.Replicas).Select(rank => PodRoot(folder, rank)).ToHashSet(StringComparer.Ordinal);
        foreach (var stray in RuntimeProcesses.Under(folder).Where(r => r.Root is not { } root || !roots.Contains(Path.GetFullPath(root))))
        {
            DetachedProcess.Stop(stray.Pid, Marker(folder));
        }

        new ProcessServiceState(spec.Service, spec.Replicas, masterPort, results.Select(r => r.State).ToList()).Write(StatePath(folder));
        return new ServicePods(spec.Service, Name, results.Select(r => r.Endpoint).ToList(), results.Count(r => r.Created), TokenFile(folder));
    }

    public async Task<ServicePods?> FindAsync(string service, CancellationToken cancellationToken = default)
    {
        var folder = ServiceFolder(service);
        if (ProcessServiceState.Read(StatePath(folder)) is not { } state || !File.Exists(TokenFile(folder)))
        {
            return null;
        }

        var token = File.ReadAllText(TokenFile(folder)).Trim();
        var pods = new List<PodEndpoint>();
        foreach (var pod in state.Pods.OrderBy(p => p.Rank))
        {
            var endpoint = Endpoint(folder, pod, token);
            if (!DetachedProcess.IsRunning(pod.Pid, PodRuntimeFiles.AssemblyName) || !await ServiceToken.AnswersAsync(endpoint, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            pods.Add(endpoint);
        }

        return new ServicePods(service, Name, pods, 0, TokenFile(folder));
    }

    public async Task<PodEndpoint> RecreateAsync(ServiceSpec spec, int rank, CancellationToken cancellationToken = default)
    {
        var folder = ServiceFolder(spec.Service);
        using var serviceLock = await ServiceLock.AcquireAsync(folder, cancellationToken).ConfigureAwait(false);
        var state = ProcessServiceState.Read(StatePath(folder))
            ?? throw new KtException(DevLoopErrors.ServiceNotFound, $"no process service '{spec.Service}' to recreate a pod of.");
        await StopRootAsync(PodRoot(folder, rank), cancellationToken).ConfigureAwait(false);
        DeleteTree(PodFolder(folder, rank));
        var started = await StartAsync(spec, folder, ServiceToken.ReadOrCreate(TokenFile(folder)), state.MasterPort, rank, cancellationToken).ConfigureAwait(false);
        (state with { Pods = state.Pods.Select(p => p.Rank == rank ? started.State : p).ToList() }).Write(StatePath(folder));
        return started.Endpoint;
    }

    public async Task<bool> TeardownAsync(string service, CancellationToken cancellationToken = default)
    {
        var folder = ServiceFolder(service);
        if (!Directory.Exists(folder))
        {
            return false;
        }

        using (await ServiceLock.AcquireAsync(folder, cancellationToken).ConfigureAwait(false))
        {
            // Every runtime of the service, whatever service.json says (torn, or a pid rewritten): none may keep
            // serving a folder that is deleted under it.
            await StopServiceAsync(folder, ProcessServiceState.Read(StatePath(folder)), cancellationToken).ConfigureAwait(false);
        }

        DeleteTree(folder);
        return true;
    }

    public LivePlan Adapt(LivePlan plan, ServiceSpec spec, PodEndpoint pod) => HostSetupPolicy.Adapt(plan, spec, pod);

    /// <summary>
    /// A new world size stops every pod and starts fresh ones, whose empty journals get every step: a step the policy
    /// refuses is refused now, while the old pods still serve.
    /// </summary>
    public void Preflight(ServiceSpec spec, Kt.ImageCompiler.Resolution.ResolvedImage image)
    {
        if (ProcessServiceState.Read(StatePath(ServiceFolder(spec.Service))) is { } state && state.WorldSize != spec.Replicas)
        {
            HostSetupPolicy.Refuse(spec, image.Steps.Select(s => (s.Kind, s.Description)));
        }
    }

    /// <summary>Every <c>$KT_HOME/process/*/service.json</c>; a pod whose process is gone shows as exited, with its log's path.</summary>
    public Task<IReadOnlyList<CatalogService>> ListAsync(CancellationToken cancellationToken = default)
    {
        var root = KtHome.Combine("process");
        var services = !Directory.Exists(root) ? [] : Directory.EnumerateDirectories(root)
            .Select(folder => (Folder: folder, State: ProcessServiceState.Read(StatePath(folder))))
            .Where(s => s.State is not null)
            .Select(s => new CatalogService(s.State!.Service, Name, null, null, s.State.Pods.OrderBy(p => p.Rank).Select(pod =>
            {
                var running = DetachedProcess.IsRunning(pod.Pid, PodRuntimeFiles.AssemblyName);
                var log = Path.Combine(PodFolder(s.Folder, pod.Rank), "runtime.log");
                IReadOnlyList<string> events = running
                    ? [$"process {pod.Pid} serves on 127.0.0.1:{pod.Port} (log: {log})"]
                    : [$"process {pod.Pid} is gone (log: {log}); the next deploy starts a new one with this pod's journal"];
                return new CatalogPod(pod.Name, pod.Rank, running ? "running" : "exited", running ? DetachedProcess.StartTime(pod.Pid) : null, events);
            }).ToList()))
            .OrderBy(s => s.Service, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult<IReadOnlyList<CatalogService>>(services);
    }

    public void Dispose()
    {
    }

    /// <summary>
    /// The runtime that owns the pod's root is reused when it is of this world and answers as this pod; anything else
    /// serving that root is stopped and a new runtime started. The root's lock and owner record decide, not
    /// service.json: a torn state file or a rewritten pid would otherwise start a second runtime on a served root.
    /// </summary>
    private async Task<(ProcessPodState State, PodEndpoint Endpoint, bool Created)> ReuseOrStartAsync(
        ServiceSpec spec, string folder, string token, int masterPort, int rank, CancellationToken cancellationToken)
    {
        var root = PodRoot(folder, rank);
        if (Owner(root) is { } owner && owner.Runtime.Value("--world-size") == I(spec.Replicas) && owner.Runtime.Value("--master-port") == I(masterPort))
        {
            var known = new ProcessPodState(rank, PodName(spec.Service, rank), owner.Record.Pid, owner.Record.Port);
            var endpoint = Endpoint(folder, known, token);
            if (await ServiceToken.AnswersAsync(endpoint, cancellationToken).ConfigureAwait(false))
            {
                return (known, endpoint, false);
            }
        }

        await StopRootAsync(root, cancellationToken).ConfigureAwait(false); // deaf, of another world, or a stray: replaced
        var started = await StartAsync(spec, folder, token, masterPort, rank, cancellationToken).ConfigureAwait(false);
        return (started.State, started.Endpoint, true);
    }

    /// <summary>The runtime holding the root's lock, as its owner record names it and its command line confirms.</summary>
    private static (RootOwner Record, RuntimeProcesses.Runtime Runtime)? Owner(string root) =>
        RootOwner.IsLocked(root) && RootOwner.Read(root) is { } record && RuntimeProcesses.Of(record.Pid) is { } runtime && SamePath(runtime.Root, root)
            ? (record, runtime)
            : null;

    /// <summary>Stops every runtime serving the root (its owner and any stray without the lock) and waits for the lock to go.</summary>
    private static async Task StopRootAsync(string root, CancellationToken cancellationToken)
    {
        foreach (var runtime in RuntimeProcesses.Under(Path.GetDirectoryName(root)!).Where(r => SamePath(r.Root, root)))
        {
            DetachedProcess.Stop(runtime.Pid, root);
        }

        await WaitReleasedAsync([root], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops every runtime of the service: those service.json names (if they still run in its folder) and those /proc finds there.</summary>
    private static async Task StopServiceAsync(string folder, ProcessServiceState? state, CancellationToken cancellationToken)
    {
        foreach (var pid in (state?.Pods.Select(p => p.Pid) ?? []).Concat(RuntimeProcesses.Under(folder).Select(r => r.Pid)).Distinct())
        {
            DetachedProcess.Stop(pid, Marker(folder)); // a rewritten pid of another program or service is left alone
        }

        var podsFolder = Path.Combine(folder, "pods");
        var roots = Directory.Exists(podsFolder) ? Directory.EnumerateDirectories(podsFolder).Select(p => Path.Combine(p, "root")).ToList() : [];
        await WaitReleasedAsync(roots, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The operating system drops a root's lock when its holder exits; a lock still held after the holders were stopped
    /// belongs to a process this backend cannot see, and a root it serves is neither reused, replaced nor deleted.
    /// </summary>
    private static async Task WaitReleasedAsync(IReadOnlyList<string> roots, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (roots.FirstOrDefault(RootOwner.IsLocked) is { } held)
        {
            if (clock.Elapsed > ReleaseTimeout)
            {
                throw new KtException(DevLoopErrors.PodRootHeld,
                    $"the pod root {held} is still held by {RootOwner.Read(held)?.ToString() ?? "a process that does not name itself"} after its runtimes were stopped; stop that process, then deploy or tear down again.");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int? SurvivingMasterPort(string folder, int worldSize) =>
        RuntimeProcesses.Under(folder).Where(r => r.Value("--world-size") == I(worldSize)).Select(r => int.TryParse(r.Value("--master-port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : (int?)null).FirstOrDefault(p => p is not null);

    private static bool SamePath(string? a, string b) => a is not null && Path.GetFullPath(a) == Path.GetFullPath(b);

    /// <summary>What the command line of a runtime of this service contains (the folder and a separator: "svc" is not "svc2").</summary>
    private static string Marker(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string PodName(string service, int rank) => $"{service}-{I(rank)}";

    /// <summary>
    /// How rank <paramref name="rank"/>'s runtime starts here: on loopback, on a port the kernel picks (written to
    /// <paramref name="portFile"/>), every rank a local process of one node whose master is rank 0 on this machine.
    /// Written whole on the command line (<see cref="LaunchStyle.CommandLine"/>): that is where this backend finds a
    /// runtime's root and world again (<see cref="RuntimeProcesses"/>).
    /// </summary>
    internal static RuntimeLaunch Launch(ServiceSpec spec, int rank, string root, string portFile, string tokenFile, int masterPort) => new()
    {
        Bind = "127.0.0.1",
        Port = 0,
        PortFile = portFile,
        Root = root,
        TokenFile = tokenFile,
        Service = spec.Service,
        PodName = PodName(spec.Service, rank),
        WorldSize = spec.Replicas,
        Rank = rank,
        LocalRank = rank,
        NodeRank = 0,
        MasterAddr = "127.0.0.1",
        MasterPort = masterPort,
        OtlpEndpoint = spec.OtlpEndpoint,
        OtlpProtocol = spec.OtlpProtocol,
    };

    private async Task<(ProcessPodState State, PodEndpoint Endpoint)> StartAsync(ServiceSpec spec, string folder, string token, int masterPort, int rank, CancellationToken cancellationToken)
    {
        var runtime = _runtime.Value;
        var podFolder = PodFolder(folder, rank);
        var root = PodRoot(folder, rank);
        Directory.CreateDirectory(root);
        Directory.CreateDirectory(Path.Combine(podFolder, "work"));
        var portFile = Path.Combine(podFolder, "port");
        File.Delete(portFile);
        var name = PodName(spec.Service, rank);
        var launch = Launch(spec, rank, root, portFile, TokenFile(folder), masterPort).Write(LaunchStyle.CommandLine);
        string[] arguments = [runtime.RuntimeAssembly, .. launch.Arguments];
        var log = Path.Combine(podFolder, "runtime.log");
        var environment = RuntimeEnvironment(runtime, launch.Environment);
        if (Quantities.Bytes(spec.Memory, "KtMemory") is { } memory)
        {
            // Nothing else limits a local process: the runtime puts its workers in a memory cgroup of this size where
            // it may, so an allocation past KtMemory is an OOM kill as on a container (KT4044), not the machine's.
            environment["KT_MEMORY_LIMIT"] = memory.ToString(CultureInfo.InvariantCulture);
        }

        var pid = DetachedProcess.Start(runtime.DotnetHost, arguments, environment, log);

        var clock = Stopwatch.StartNew();
        while (!File.Exists(portFile) || new FileInfo(portFile).Length == 0)
        {
            if (!DetachedProcess.IsRunning(pid, PodRuntimeFiles.AssemblyName))
            {
                throw new KtException(DevLoopErrors.PodStartFailed, $"pod {name} exited while starting. The end of {log}:\n{Tail(log)}");
            }

            if (clock.Elapsed > StartTimeout)
            {
                DetachedProcess.Stop(pid, PodRuntimeFiles.AssemblyName);
                throw new KtException(DevLoopErrors.PodStartFailed, $"pod {name} did not bind a port within {StartTimeout.TotalSeconds:0} s. The end of {log}:\n{Tail(log)}");
            }

            await Task.Delay(5, cancellationToken).ConfigureAwait(false);
        }

        var port = int.Parse(File.ReadAllText(portFile).Trim(), CultureInfo.InvariantCulture);
        var state = new ProcessPodState(rank, name, pid, port);
        return (state, Endpoint(folder, state, token));
    }

    /// <summary>
    /// The runtime gets this process's environment minus the build's own variables (MSBuild, NuGet, test host), with the
    /// launch's (who the pod is) on top.
    /// </summary>
    private static Dictionary<string, string> RuntimeEnvironment(PodRuntimeFiles runtime, IReadOnlyDictionary<string, string> launch)
    {
        string[] buildPrefixes = ["MSBUILD", "_MSBUILD", "DOTNET_HOST_PATH", "DOTNET_MSBUILD", "NUGET_", "VSTEST", "KT_TOKEN", "MSBuild"];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (!buildPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            {
                environment[name] = (string?)entry.Value ?? "";
            }
        }

        foreach (var (name, value) in launch)
        {
            environment[name] = value;
        }

        environment["DOTNET_ROOT"] = runtime.DotnetRoot;
        return environment;
    }

    private static PodEndpoint Endpoint(string folder, ProcessPodState pod, string token) =>
        new(pod.Rank, pod.Name, new Uri($"http://127.0.0.1:{pod.Port}/"), token, Path.Combine(PodFolder(folder, pod.Rank), "work"));


    private static string Tail(string file)
    {
        try
        {
            var lines = File.ReadAllLines(file);
            return string.Join('\n', lines.TakeLast(15));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static void DeleteTree(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return;
        }

        // Version trees are read-only (their bytes are shared with the blob store): make them writable to delete them.
        foreach (var directory in Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories).Prepend(folder))
        {
            if (!OperatingSystem.IsWindows() && new DirectoryInfo(directory).LinkTarget is null)
            {
                File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Directory.Delete(folder, recursive: true);
    }


    private static string StatePath(string folder) => Path.Combine(folder, "service.json");

    private static string TokenFile(string folder) => Path.Combine(folder, "token");

    private static string PodRoot(string folder, int rank) => Path.GetFullPath(Path.Combine(PodFolder(folder, rank), "root"));

    private static string PodFolder(string folder, int rank) => Path.Combine(folder, "pods", rank.ToString(CultureInfo.InvariantCulture));
}
