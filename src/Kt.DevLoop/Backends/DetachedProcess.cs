using System.Diagnostics;
using System.Globalization;

namespace Kt.DevLoop.Backends;

/// <summary>
/// Starts a process that outlives its starter (dotnet publish ends, the pods keep serving): its own session, stdin from
/// /dev/null and stdout/stderr appended to a log file, so that no pipe of the starter is held open.
/// </summary>
internal static class DetachedProcess
{
    // $1 is the log file; the rest is the command. `setsid` in a background job of a non-interactive shell does not
    // fork (the job is no group leader), so $! is the runtime's own pid.
    private const string Script = "log=$1; shift; if command -v setsid >/dev/null 2>&1; then setsid \"$@\" >>\"$log\" 2>&1 </dev/null & else \"$@\" >>\"$log\" 2>&1 </dev/null & fi; echo $!";

    public static int Start(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logFile)
    {
        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-c", Script, "kt-start", logFile, file }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var shell = Process.Start(info) ?? throw new KtException(DevLoopErrors.PodStartFailed, "could not start /bin/sh.");
        var output = shell.StandardOutput.ReadToEnd();
        var errors = shell.StandardError.ReadToEnd();
        shell.WaitForExit();
        if (!int.TryParse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            throw new KtException(DevLoopErrors.PodStartFailed, $"starting {file} failed: {errors.Trim()}");
        }

        return pid;
    }

    /// <summary>True when <paramref name="pid"/> runs and its command line mentions <paramref name="marker"/> (a reused pid does not count).</summary>
    public static bool IsRunning(int pid, string marker)
    {
        var proc = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}";
        if (Directory.Exists("/proc/self"))
        {
            try
            {
                // A zombie (or a dying process) still has a /proc entry: its state letter says it is gone.
                var stat = File.ReadAllText(proc + "/stat");
                var state = stat[(stat.LastIndexOf(')') + 2)..].TrimStart()[0];
                if (state is 'Z' or 'X' or 'x')
                {
                    return false;
                }

                // Empty while the process is between fork and exec (the shell, then setsid, then dotnet): still ours.
                var cmdline = File.ReadAllText(proc + "/cmdline");
                return cmdline.Length == 0 || cmdline.Contains(marker, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>When the process started, or null when it is gone (or this platform will not say).</summary>
    public static DateTimeOffset? StartTime(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Ends the process and its children (worker, app) and waits briefly for it to go.</summary>
    public static void Stop(int pid, string marker)
    {
        if (!IsRunning(pid, marker))
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone between the check and the kill.
        }
    }
}
