using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kt.PodRuntime.Hosting;
using Kt.PodRuntime.Supervision;
using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Apps;

/// <summary>
/// App mode: one process started with <c>/bin/sh -c</c> in the active version folder, with the user environment and
/// PORT; restarted on every new version or environment, ended with its whole tree.
/// </summary>
public sealed class AppHost : IAsyncDisposable
{
    private readonly string _settingsPath;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private Process? _process;

    public AppHost(RuntimeOptions options, ILogger logger)
    {
        _settingsPath = Path.Combine(options.Root, "app.json");
        _logger = logger;
        Settings = File.Exists(_settingsPath)
            ? JsonSerializer.Deserialize<AppSettings>(File.ReadAllBytes(_settingsPath))
            : options.AppCommand is { } command && options.AppPort is { } port ? new AppSettings(command, port) : null;
    }

    public AppSettings? Settings { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    public async Task ConfigureAsync(AppSettings settings, string? directory, UserEnvironment environment)
    {
        AtomicFile.WriteAllBytes(_settingsPath, JsonSerializer.SerializeToUtf8Bytes(settings));
        Settings = settings;
        await RestartAsync(directory, environment).ConfigureAwait(false);
    }

    /// <summary>(Re)starts the app in <paramref name="directory"/>; does nothing when no app is configured or no version is active.</summary>
    public async Task RestartAsync(string? directory, UserEnvironment environment)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            Stop();
            if (Settings is not { } settings || directory is null)
            {
                return;
            }

            var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false, WorkingDirectory = directory };
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(settings.Command);
            info.Environment.Clear();
            foreach (var (name, value) in environment.Variables)
            {
                info.Environment[name] = value;
            }

            info.Environment["PORT"] = settings.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _process = Process.Start(environment.User is { } user ? user.Apply(info) : info);
            _logger.LogInformation("App started (pid {Pid}) on port {Port}.", _process?.Id, settings.Port);
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Stop()
    {
        var process = _process;
        _process = null;
        if (process is null)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        process.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
