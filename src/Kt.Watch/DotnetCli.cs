using System.Diagnostics;
using System.Text;

namespace Kt.Watch;

/// <summary>Runs the <c>dotnet</c> that is on the path, as the user's own commands would.</summary>
internal static class DotnetCli
{
    /// <summary>Runs <c>dotnet</c>; every output line goes to <paramref name="onLine"/> (null: collected only).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, IEnumerable<string> arguments, Action<string>? onLine,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The user's terminal settings must not colour or localise what is parsed here.
        start.Environment["DOTNET_CLI_UI_LANGUAGE"] = "en";
        start.Environment["MSBUILDTERMINALLOGGER"] = "off";
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            onLine?.Invoke(line);
        }

        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, output.ToString());
    }
}
