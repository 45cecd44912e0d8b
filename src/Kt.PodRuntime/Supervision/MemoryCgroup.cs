using System.Globalization;

namespace Kt.PodRuntime.Supervision;

/// <summary>
/// The memory cgroup the workers run in, read for what the kernel did to them: its OOM-kill counter, its limit and
/// its peak. In a container (docker, Kubernetes) that is the container's own cgroup, whose limit the engine set; on the
/// process backend, where nothing else limits memory, the runtime makes a child cgroup with <c>KT_MEMORY_LIMIT</c>
/// bytes for its workers when it may (cgroup v1, or v2 with the memory controller delegated), else it only reads.
/// </summary>
/// <remarks>
/// A worker killed by the OOM killer dies of SIGKILL like one killed by hand; only the cgroup's counter tells them
/// apart (v2 <c>memory.events</c> <c>oom_kill</c>, v1 <c>memory.oom_control</c> <c>oom_kill</c>, kernel 4.13+).
/// </remarks>
internal sealed class MemoryCgroup : IDisposable
{
    private const string Mount = "/sys/fs/cgroup";
    private readonly string _directory;
    private readonly bool _v2;
    private readonly bool _owned;

    private MemoryCgroup(string directory, bool v2, bool owned)
    {
        _directory = directory;
        _v2 = v2;
        _owned = owned;
    }

    /// <summary>Where the workers' cgroup lives (for messages and tests).</summary>
    public string Directory => _directory;

    /// <summary>True when this runtime made the cgroup and enforces the limit itself.</summary>
    public bool Enforced => _owned;

    /// <summary>
    /// The workers' cgroup: a child with <paramref name="limitBytes"/> when given and the runtime may create one, else
    /// the runtime's own; null where there is no memory cgroup to read (not Linux, none mounted).
    /// </summary>
    public static MemoryCgroup? ForWorkers(long? limitBytes, string name)
    {
        var own = Own();
        if (own is null || limitBytes is not { } limit)
        {
            return own;
        }

        var child = Path.Combine(own._directory, name);
        try
        {
            System.IO.Directory.CreateDirectory(child);
            File.WriteAllText(Path.Combine(child, own._v2 ? "memory.max" : "memory.limit_in_bytes"), limit.ToString(CultureInfo.InvariantCulture));
            if (!own._v2)
            {
                // v1 only: swap would let the worker outgrow the limit instead of being killed at it.
                TryWrite(Path.Combine(child, "memory.swappiness"), "0");
            }

            return new MemoryCgroup(child, own._v2, owned: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryRemove(child);
            return own; // not delegated to this runtime: read the cgroup it runs in
        }
    }

    /// <summary>The cgroup this process runs in, or null.</summary>
    public static MemoryCgroup? Own()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/cgroup"))
        {
            return null;
        }

        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3)
            {
                continue;
            }

            var v2 = parts[0] == "0" && parts[1].Length == 0;
            var v1 = parts[1].Split(',').Contains("memory");
            if (!v1 && !v2)
            {
                continue;
            }

            var mount = v1 ? Path.Combine(Mount, "memory") : Mount;
            // A container sees its own cgroup at the mount's root while /proc/self/cgroup names the host's path.
            foreach (var candidate in new[] { Path.Join(mount, parts[2]), mount })
            {
                if (File.Exists(Path.Combine(candidate, v1 ? "memory.oom_control" : "memory.events")))
                {
                    return new MemoryCgroup(candidate, v2: !v1, owned: false);
                }
            }
        }

        return null;
    }

    /// <summary>Moves a freshly started worker into the cgroup (only into one this runtime made; others hold it already).</summary>
    public void Admit(int processId)
    {
        if (_owned)
        {
            TryWrite(Path.Combine(_directory, "cgroup.procs"), processId.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>How many processes the kernel has OOM-killed in this cgroup so far.</summary>
    public long OomKills() =>
        ReadKeyed(_v2 ? "memory.events" : "memory.oom_control", "oom_kill") ?? 0;

    /// <summary>The limit in bytes, or null when unlimited.</summary>
    public long? Limit() => ReadNumber(_v2 ? "memory.max" : "memory.limit_in_bytes") is { } bytes && bytes < 1L << 60 ? bytes : null;

    /// <summary>The highest usage recorded, in bytes, or null when the kernel does not say (v2 before 5.19).</summary>
    public long? Peak() => ReadNumber(_v2 ? "memory.peak" : "memory.max_usage_in_bytes");

    public void Dispose()
    {
        if (_owned)
        {
            TryRemove(_directory);
        }
    }

    private long? ReadKeyed(string file, string key)
    {
        var text = TryRead(file);
        var line = text?.Split('\n').FirstOrDefault(l => l.StartsWith(key + " ", StringComparison.Ordinal));
        return line is not null && long.TryParse(line.AsSpan(key.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private long? ReadNumber(string file) =>
        long.TryParse(TryRead(file)?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;

    private string? TryRead(string file)
    {
        try
        {
            return File.ReadAllText(Path.Combine(_directory, file));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void TryWrite(string file, string text)
    {
        try
        {
            File.WriteAllText(file, text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // best effort: an unenforced limit is reported as such, never fatal
        }
    }

    // A cgroup folder is removed with rmdir once empty (its files are not real files); busy means a worker is still in it.
    private static void TryRemove(string directory)
    {
        try
        {
            System.IO.Directory.Delete(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
