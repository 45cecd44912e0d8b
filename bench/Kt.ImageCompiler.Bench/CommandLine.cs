using System.Diagnostics;
using System.Text;

namespace Kt.ImageCompiler.Bench;

/// <summary>What an external command printed, how it ended and how long it took.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Error, TimeSpan Elapsed);

/// <summary>A baseline tool (docker, dotnet) failed; the message carries the tail of its output.</summary>
internal sealed class CommandFailedException(string message) : Exception(message);

/// <summary>Runs external commands (docker, dotnet) with captured output, a time limit and an explicit environment.</summary>
internal static class CommandLine
{
    private const int TailCharacters = 2000;

    public static async Task<CommandResult> RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout ?? TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Never leave a half-finished build (or its MSBuild/compiler children) behind.
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            throw new TimeoutException($"{Describe(start)} did not finish in time");
        }

        clock.Stop();
        return new CommandResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false), clock.Elapsed);
    }

    /// <summary>Runs a command and throws <see cref="CommandFailedException"/> when it exits non-zero.</summary>
    public static async Task<CommandResult> RunCheckedAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var list = arguments.ToList();
        var result = await RunAsync(fileName, list, workingDirectory, environment, timeout, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var text = new StringBuilder().Append(result.Output).Append('\n').Append(result.Error).ToString().Trim();
            throw new CommandFailedException(
                $"{fileName} {string.Join(' ', list)} exited with code {result.ExitCode}:\n{(text.Length > TailCharacters ? text[^TailCharacters..] : text)}");
        }

        return result;
    }

    private static string Describe(ProcessStartInfo start) => $"{start.FileName} {string.Join(' ', start.ArgumentList)}";
}
