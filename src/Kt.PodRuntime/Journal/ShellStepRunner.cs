using System.Diagnostics;
using Kt.Core;

namespace Kt.PodRuntime.Journal;

/// <summary>Runs one command step with <c>/bin/sh -c</c>, its exact environment and working directory, streaming each output line.</summary>
public static class ShellStepRunner
{
    private const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private const int TailLines = 40;

    public static async Task<StepRunResult> RunAsync(
        string shell, IReadOnlyDictionary<string, string> environment, string workingDirectory,
        Func<string, string, ValueTask> onLine, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workingDirectory);
        var info = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory,
        };
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

        using var kill = cancellationToken.Register(() =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
            }
        });
        await Task.WhenAll(PumpAsync(process.StandardOutput, "stdout"), PumpAsync(process.StandardError, "stderr")).ConfigureAwait(false);
        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        return new StepRunResult(process.ExitCode, string.Join('\n', tail));
    }
}
