using System.Diagnostics;
using System.Text;
using Kt.PodRuntime.Client;

namespace Kt.PodRuntime.Tests.Support;

/// <summary>The pod runtime as a real process on loopback (port 0, port file), driven over HTTP like a pod.</summary>
public sealed class RuntimeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private RuntimeProcess(Process process, int port, string root, string token)
    {
        _process = process;
        Port = port;
        Root = root;
        Token = token;
        Client = new PodClient(new Uri($"http://127.0.0.1:{port}/"), token);
    }

    public int Port { get; }

    public string Root { get; }

    public string Token { get; }

    public int ProcessId => _process.Id;

    public PodClient Client { get; }

    public HttpClient Raw { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}/{path}");

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string RuntimeAssembly
    {
        get
        {
            var beside = Path.Combine(AppContext.BaseDirectory, "Kt.PodRuntime.dll");
            return File.Exists(beside) ? beside : typeof(Kt.PodRuntime.Hosting.RuntimeOptions).Assembly.Location;
        }
    }

    public static Task<RuntimeProcess> StartAsync(string root, string token = "test-token-0123456789", params string[] extra) =>
        StartAsync(root, new Dictionary<string, string>(), token, extra);

    /// <param name="environment">Variables set for the runtime process on top of this one's.</param>
    public static Task<RuntimeProcess> StartAsync(string root, IReadOnlyDictionary<string, string> environment, string token = "test-token-0123456789", params string[] extra) =>
        StartCoreAsync(root, environment, token, extra, uid: null);

    /// <summary>Returns once the server listens, ready or not (a pod whose setup failed never becomes ready).</summary>
    public static Task<RuntimeProcess> StartListeningAsync(string root, params string[] extra) =>
        StartCoreAsync(root, new Dictionary<string, string>(), "test-token-0123456789", extra, uid: null, waitReady: false);

    /// <summary>The runtime as another (non-root) user, through <c>setpriv</c>: the root folder must already exist (owned by whoever).</summary>
    public static Task<RuntimeProcess> StartAsUserAsync(string root, int uid, params string[] extra) =>
        StartCoreAsync(root, new Dictionary<string, string>(), "test-token-0123456789", extra, uid);

    private static async Task<RuntimeProcess> StartCoreAsync(string root, IReadOnlyDictionary<string, string> environment, string token, string[] extra, int? uid, bool waitReady = true)
    {
        Directory.CreateDirectory(root);
        var tokenFile = Path.Combine(Path.GetDirectoryName(root)!, $"token-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(tokenFile, token);
        var portFile = Path.Combine(Path.GetDirectoryName(root)!, $"port-{Guid.NewGuid():N}");
        var info = new ProcessStartInfo(uid is null ? "dotnet" : "setpriv")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        if (uid is { } id)
        {
            var text = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            foreach (var arg in new[] { "--reuid", text, "--regid", text, "--clear-groups", "--", Environment.ProcessPath ?? "dotnet" })
            {
                info.ArgumentList.Add(arg);
            }

            info.Environment["HOME"] = "/tmp";
        }

        info.ArgumentList.Add(RuntimeAssembly);
        foreach (var arg in new[] { "--port", "0", "--bind", "127.0.0.1", "--root", root, "--token-file", tokenFile, "--port-file", portFile, "--service", "test", "--pod-name", "pod-a" }.Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }

        var started = DateTime.UtcNow;
        var process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(portFile) || new FileInfo(portFile).Length == 0)
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                if (process.HasExited)
                {
                    process.WaitForExit(); // until the redirected output is read to its end: the error is in it
                }

                throw new InvalidOperationException($"The runtime did not start (exit: {(process.HasExited ? process.ExitCode : -1)}): {output}");
            }

            await Task.Delay(20);
        }

        var port = int.Parse(await File.ReadAllTextAsync(portFile), System.Globalization.CultureInfo.InvariantCulture);
        var runtime = new RuntimeProcess(process, port, root, token) { StartupTime = DateTime.UtcNow - started };
        lock (output)
        {
            runtime._output.Append(output);
        }

        process.OutputDataReceived += (_, e) => Append(runtime._output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(runtime._output, e.Data);
        if (waitReady)
        {
            await runtime.Client.WaitReadyAsync(null, TimeSpan.FromSeconds(30));
        }

        return runtime;
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (builder)
        {
            builder.AppendLine(line);
        }
    }

    /// <summary>Sends SIGTERM, as Kubernetes does, and waits for the process to end.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>From process start until the server listened (its port file was written).</summary>
    public TimeSpan StartupTime { get; private init; }

    /// <summary>kill -9 of the server and its worker, as an unlucky operator or the OOM killer would.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Raw.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
