using System.Globalization;

namespace Kt.DevLoop.Backends;

/// <summary>
/// The pod runtimes on this machine as their command lines say (<c>/proc/&lt;pid&gt;/cmdline</c>): which root each
/// serves and in which world. What a process was started with cannot be torn or rewritten the way a state file can, so
/// the backend trusts it over its own records when it stops or reuses runtimes. Empty where there is no /proc.
/// </summary>
internal static class RuntimeProcesses
{
    /// <summary>A runtime process: its pid and the arguments it was started with.</summary>
    public sealed record Runtime(int Pid, IReadOnlyList<string> Arguments)
    {
        public string? Root => Value("--root");

        public string? Value(string option)
        {
            var index = Arguments.ToList().IndexOf(option);
            return index >= 0 && index + 1 < Arguments.Count ? Arguments[index + 1] : null;
        }
    }

    /// <summary>Every live runtime whose root lies inside <paramref name="folder"/> (a service's folder).</summary>
    public static IReadOnlyList<Runtime> Under(string folder)
    {
        var prefix = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        return All().Where(r => r.Root is { } root && Path.GetFullPath(root).StartsWith(prefix, StringComparison.Ordinal)).ToList();
    }

    /// <summary>The runtime with this pid, or null when the pid is not a live runtime (gone, reused, another program).</summary>
    public static Runtime? Of(int pid) => pid > 0 ? Read(pid) : null;

    private static IEnumerable<Runtime> All()
    {
        if (!Directory.Exists("/proc/self"))
        {
            yield break;
        }

        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Read(pid) is { } runtime)
            {
                yield return runtime;
            }
        }
    }

    private static Runtime? Read(int pid)
    {
        var proc = "/proc/" + pid.ToString(CultureInfo.InvariantCulture);
        try
        {
            var stat = File.ReadAllText(proc + "/stat");
            if (stat[(stat.LastIndexOf(')') + 2)..].TrimStart()[0] is 'Z' or 'X' or 'x')
            {
                return null; // exited, not yet reaped: it holds no lock and serves nothing
            }

            var arguments = File.ReadAllText(proc + "/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
            return arguments.Any(a => Path.GetFileName(a) == PodRuntimeFiles.AssemblyName) ? new Runtime(pid, arguments) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // gone meanwhile, or not ours to read
        }
    }
}
