namespace Kt.Docker;

/// <summary>What to run for <see cref="DockerContainers.RunAsync"/>.</summary>
/// <param name="Name">Container name (unique in the engine).</param>
/// <param name="Image">Image reference or id already in the engine.</param>
/// <param name="Command">Command (replaces the image's CMD), or null for the image's.</param>
/// <param name="Environment">Environment variables.</param>
/// <param name="Labels">Labels; this is how a backend finds what it created.</param>
/// <param name="PublishedPorts">Container TCP ports to publish on 127.0.0.1 at a host port the engine picks.</param>
/// <param name="Mounts">Host directories or files to bind into the container.</param>
/// <param name="Network">User-defined network to join, or null for the default bridge.</param>
/// <param name="NetworkAliases">Extra DNS names on <paramref name="Network"/>.</param>
/// <param name="Entrypoint">Entrypoint (replaces the image's), or null for the image's.</param>
/// <param name="WorkingDirectory">Working directory, or null for the image's.</param>
/// <param name="User">User, or null for the image's.</param>
/// <param name="Resources">CPU, memory and GPU limits, or null for none.</param>
public sealed record ContainerSpec(
    string Name,
    string Image,
    IReadOnlyList<string>? Command,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<int> PublishedPorts,
    IReadOnlyList<BindMount> Mounts,
    string? Network = null,
    IReadOnlyList<string>? NetworkAliases = null,
    IReadOnlyList<string>? Entrypoint = null,
    string? WorkingDirectory = null,
    string? User = null,
    ContainerResources? Resources = null);

/// <summary>Limits of a container: CPUs (fractional), memory in bytes, GPUs requested from the NVIDIA runtime.</summary>
public sealed record ContainerResources(double? Cpus = null, long? MemoryBytes = null, int Gpus = 0);

/// <summary>A host path bound into a container.</summary>
public sealed record BindMount(string HostPath, string ContainerPath, bool ReadOnly = false);

/// <summary>A container that was created and started.</summary>
/// <param name="Id">Engine id.</param>
/// <param name="Name">Container name.</param>
/// <param name="HostPorts">Container TCP port → host port on 127.0.0.1.</param>
public sealed record StartedContainer(string Id, string Name, IReadOnlyDictionary<int, int> HostPorts);

/// <summary>One row of a label query.</summary>
/// <param name="State">Engine state word: created, running, exited, …</param>
/// <param name="Created">When the engine created the container (a pod's age in <c>kt status</c>).</param>
public sealed record ContainerSummary(string Id, string Name, string Image, string State, IReadOnlyDictionary<string, string> Labels, DateTimeOffset? Created = null);

/// <summary>A container's state as inspect reports it.</summary>
/// <param name="Status">Engine state word: created, running, exited, …</param>
/// <param name="ExitCode">Exit code once it has stopped, null while running or never started.</param>
/// <param name="OomKilled">True when the kernel killed it for memory.</param>
/// <param name="HostPorts">Container TCP port → host port, for published ports.</param>
public sealed record ContainerStatus(
    string Id,
    string Name,
    string Status,
    bool Running,
    int? ExitCode,
    bool OomKilled,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<int, int> HostPorts);
