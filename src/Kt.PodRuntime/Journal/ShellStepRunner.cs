using System.Diagnostics;
using System.Runtime.InteropServices;
using Kt.Core;

namespace Kt.PodRuntime.Journal;

/// <summary>
/// Runs one command step with <c>/bin/sh -c</c>, its exact environment and working directory, streaming each output
/// line. The step gets a process group of its own (<c>setsid</c>, where the image has it), so cancelling it ends
/// everything it started, even a background job whose parent shell is gone; without <c>setsid</c> the process tree.
/// </summary>
public static partial class ShellStepRunner
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private const int TailLines = 40;
    private const int SigKill = 9;
    private static readonly string? Setsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    public static async Task<StepRunResult> RunAsync(
        string shell, IReadOnlyDictionary<string, string> environment, string workingDirectory,
        Func<string, string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workingDirectory);
        var info = new ProcessStartInfo(Setsid ?? "/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
        if (Setsid is not null)
        {
            // A child of this process is no group leader, so setsid makes the new session in place: the shell's pid is its group's id.
            info.ArgumentList.Add("/bin/sh");
        }

        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(shell);
        info.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        if (!info.Environment.ContainsKey("PATH"))
        {
            info.Environment["PATH"] = DefaultPath;
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var tail = new Queue<string>();
        var gate = new SemaphoreSlim(1, 1);

        async Task PumpAsync(StreamReader reader, string stream)
        {
            while (await reader.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                await gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    tail.Enqueue(line);
                    if (tail.Count > TailLines)
                    {
                        tail.Dequeue();
                    }

                    await onLine(stream, line).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }
        }

        using var kill = cancellationToken.Register(() => Stop(process));
        await Task.WhenAll(PumpAsync(process.StandardOutput, "stdout"), PumpAsync(process.StandardError, "stderr")).ConfigureAwait(false);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        // A cancelled step is not a failed one: it is not journaled, and nothing reports its exit code as a fault.
        cancellationToken.ThrowIfCancellationRequested();
        return new StepRunResult(process.ExitCode, string.Join('\n', tail));
    }

    /// <summary>Ends the step's whole process group (SIGKILL), then whatever is left of its process tree.</summary>
    private static void Stop(Process process)
    {
        if (Setsid is not null)
        {
            _ = Kill(-process.Id, SigKill); // fails harmlessly (ESRCH) once the group is gone
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
