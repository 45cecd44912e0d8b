using System.Diagnostics;

namespace Kt.TestSupport;

/// <summary>Runs a real command with a time limit and captures its output (docker, skopeo, umoci, dotnet, bash).</summary>
public static class ProcessRunner
{
    private static readonly TimeSpan DefaultTimeLimit = TimeSpan.FromMinutes(5);

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public Result EnsureSuccess(string what)
        {
            if (ExitCode != 0)
            {
                throw new InvalidOperationException($"{what} failed with exit code {ExitCode}:\n{Output}\n{Error}");
            }

            return this;
        }
    }

    /// <summary>Runs <paramref name="fileName"/> with this process's environment plus <paramref name="environment"/>.</summary>
    public static Result Run(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null) =>
        Start(Prepare(fileName, arguments, workingDirectory), environment, timeout);

    /// <summary>
    /// Runs <paramref name="fileName"/> the way a user's shell would run it (or a script that runs <c>dotnet</c>): none
    /// of the test host's MSBuild variables (<c>dotnet test</c> sets some that would steer a nested build), no build
    /// server outliving the command (none may hold files of a temp folder about to be deleted), no telemetry or logo;
    /// then <paramref name="environment"/> on top.
    /// </summary>
    public static Result RunAsUser(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null)
    {
        var start = Prepare(fileName, arguments, workingDirectory);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        return Start(start, environment, timeout);
    }

    /// <summary><see cref="RunAsUser"/> for <c>dotnet</c>.</summary>
    public static Result Dotnet(string workingDirectory, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        RunAsUser("dotnet", arguments, workingDirectory, environment, timeout);

    private static ProcessStartInfo Prepare(string fileName, IEnumerable<string> arguments, string? workingDirectory)
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

        return start;
    }

    private static Result Start(ProcessStartInfo start, IReadOnlyDictionary<string, string>? environment, TimeSpan? timeout)
    {
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? DefaultTimeLimit))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish in time");
        }

        return new Result(process.ExitCode, output.Result, error.Result);
    }
}
