using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

/// <summary>
/// <c>dotnet watch run --non-interactive</c> (the SDK's own hot reload: a Debug build, Edit-and-Continue deltas applied
/// through its startup-hook agent) on a generated app that answers over 127.0.0.1. It needs no package beyond the
/// SDK's, so it runs offline. Disposing kills the process tree this bench started.
/// </summary>
internal sealed class DotnetWatchedApp : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);
    private readonly Process _process;
    private readonly HttpClient _http;
    private readonly Queue<string> _lastLines = new();
    private volatile bool _watching;

    private DotnetWatchedApp(Process process, int port)
    {
        _process = process;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Starts <c>dotnet watch</c> in <paramref name="projectDirectory"/> and returns once the app answers.</summary>
    public static async Task<DotnetWatchedApp> StartAsync(string projectDirectory)
    {
        var port = Kt.Core.LoopbackPort.Free();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = projectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "watch", "run", "--non-interactive", "--", port.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key); // the build that runs this bench must not steer the one dotnet watch starts
        }

        // Never a prompt (a rude edit restarts), plain output, and, as for the Kt side, no build servers left behind.
        start.Environment["DOTNET_WATCH_RESTART_ON_RUDE_EDIT"] = "1";
        start.Environment["DOTNET_WATCH_SUPPRESS_EMOJIS"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet watch");
        var app = new DotnetWatchedApp(process, port);
        process.OutputDataReceived += (_, e) => app.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => app.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        // Ready when the app answers and dotnet watch says it watches: its file watcher starts after the app, so an edit
        // saved before that line is never seen (measured: the app answered, the save was lost).
        while (!app._watching || await app.AskAsync() is null)
        {
            if (process.HasExited || clock.Elapsed > StartTimeout)
            {
                var why = process.HasExited ? $"exited with {process.ExitCode}" : $"did not answer within {StartTimeout.TotalMinutes:0} min";
                var output = app.Output();
                await app.DisposeAsync();
                throw new InvalidOperationException($"dotnet watch {why} in {projectDirectory}:\n{output}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        return app;
    }

    /// <summary>The app's answer now, or null while it does not answer (starting, restarting).</summary>
    public async Task<string?> AskAsync()
    {
        try
        {
            return await _http.GetStringAsync("");
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>The last lines dotnet watch printed (for a message when an edit is never served).</summary>
    public string Output()
    {
        lock (_lastLines)
        {
            return string.Join('\n', _lastLines);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (line.Contains("Waiting for changes", StringComparison.OrdinalIgnoreCase))
        {
            _watching = true;
        }

        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40)
            {
                _lastLines.Dequeue();
            }
        }
    }

}
