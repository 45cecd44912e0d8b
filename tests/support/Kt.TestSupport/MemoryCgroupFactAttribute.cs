using Xunit;

namespace Kt.TestSupport;

/// <summary>
/// A fact that needs a memory cgroup this process may create children in (root with cgroup v1, or v2 with the memory
/// controller delegated): where the kernel can OOM-kill a worker at a limit. Skipped, with the reason, elsewhere.
/// </summary>
public sealed class MemoryCgroupFactAttribute : FactAttribute
{
    public MemoryCgroupFactAttribute()
    {
        if (!CanCreate())
        {
            Skip = "No memory cgroup can be created here (needs root on cgroup v1, or a delegated v2 memory controller).";
        }
    }

    private static bool CanCreate()
    {
        if (!OperatingSystem.IsLinux() || !File.Exists("/proc/self/cgroup"))
        {
            return false;
        }

        var line = File.ReadAllLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[1].Split(',').Contains("memory"));
        var parent = line is null ? "/sys/fs/cgroup" : Path.Join("/sys/fs/cgroup/memory", line[2]);
        var limitFile = line is null ? "memory.max" : "memory.limit_in_bytes";
        if (!Directory.Exists(parent))
        {
            parent = line is null ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";
        }

        var probe = Path.Combine(parent, $"kt-probe-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(probe);
            File.WriteAllText(Path.Combine(probe, limitFile), (256L << 20).ToString(System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            try
            {
                Directory.Delete(probe);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }
}
