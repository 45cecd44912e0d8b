using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kt.PodRuntime.Hosting;
using Kt.PodRuntime.Supervision;
using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Apps;

/// <summary>
/// App mode: one process started with <c>/bin/sh -c</c> in the active version folder, with the user environment and
/// PORT; restarted on every new version or environment, ended with its whole tree. IL deltas (<c>kt watch</c>) reach a
/// .NET app in place through <see cref="AppDeltaLine"/>: no restart, so no request sees the app gone.
/// </summary>
public sealed class AppHost : IAsyncDisposable
{
    private readonly string _settingsPath;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly AppDeltaLine _deltas;
    private Process? _process;
    private string? _directory;
    private volatile bool _restarting;

    public AppHost(RuntimeOptions options, ILogger logger)
    {
        _settingsPath = Path.Combine(options.Root, "app.json");
        _logger = logger;
        _deltas = new AppDeltaLine(options.Root, logger);
        Settings = File.Exists(_settingsPath)
            ? JsonSerializer.Deserialize<AppSettings>(File.ReadAllBytes(_settingsPath))
            : options.AppCommand is { } command && options.AppPort is { } port ? new AppSettings(command, port) : null;
    }

    public AppSettings? Settings { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Running, or being restarted right now: a request that finds its port closed is worth holding.</summary>
    public bool IsRunningOrRestarting => _restarting || IsRunning;

    /// <summary>
    /// What the running app's runtime can apply as IL deltas; null when no app runs (no constraint on the worker's),
    /// empty when it runs but takes none (not .NET, or it did not load the hook).
    /// </summary>
    public async Task<string?> DeltaCapabilitiesAsync(CancellationToken cancellationToken) =>
        Settings is not null && IsRunning ? await _deltas.CapabilitiesAsync(cancellationToken).ConfigureAwait(false) : null;

    /// <summary>Applies one generation of IL deltas in the running app (in place), and keeps it for an app started later from the same files.</summary>
    public Task ApplyDeltaAsync(IReadOnlyList<AssemblyDelta> updates, CancellationToken cancellationToken) =>
        Settings is { } settings
            ? _deltas.ApplyAsync([.. updates.Select(u => new AppHook.AppDelta(u.Assembly, u.ModuleId, u.Metadata, u.IL, u.Pdb, u.UpdatedTypes))], IsRunning, settings.Command, cancellationToken)
            : Task.CompletedTask;

    /// <summary>The files in <paramref name="directory"/> now hold the deltas applied so far: an app started from them needs none again.</summary>
    public void Settled(string directory)
    {
        _directory = directory;
        _deltas.NewFiles();
    }

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
        _restarting = Settings is not null && directory is not null;
        try
        {
            Stop();
            if (Settings is not { } settings || directory is null)
            {
                return;
            }

            if (directory != _directory)
            {
                _directory = directory;
                _deltas.NewFiles(); // the deltas recorded were on the old files
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
            _deltas.AddTo(info.Environment, environment.User);
            _deltas.Started();
            _process = Process.Start(environment.User is { } user ? user.Apply(info) : info);
            _logger.LogInformation("App started (pid {Pid}) on port {Port}.", _process?.Id, settings.Port);
        }
        finally
        {
            _restarting = false;
            _gate.Release();
        }
    }

    public void Stop()
    {
        var process = _process;
        _process = null;
        _deltas.Disconnected();
        if (process is null)
        {
            return;
        }

        try
        {
            GracefulStop.Stop(process, TimeSpan.FromSeconds(10));
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
        _deltas.Dispose();
        _gate.Dispose();
        return ValueTask.CompletedTask;
    }
}
