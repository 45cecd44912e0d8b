using System.Diagnostics;
using Kt.DevLoop.Backends;
using Kt.PodRuntime.Client;

namespace Kt.PodRuntime.Bench;

/// <summary>Starts the pod runtime as a process on loopback, the way a pod runs it: from kt-runtime/, as Kt ships it.</summary>
internal sealed class RuntimeLauncher : IAsyncDisposable
{
    public const string Token = "bench-token-0123456789";
    private readonly Process _process;

    private RuntimeLauncher(Process process, int port)
    {
        _process = process;
        Port = port;
        Client = new PodClient(new Uri($"http://127.0.0.1:{port}/"), Token);
    }

    public int Port { get; }

    public PodClient Client { get; }

    /// <summary>Milliseconds from process start to /health answering, and to /ready (worker connected).</summary>
    public double HealthMs { get; private set; }

    public double ReadyMs { get; private set; }

    public static Task<RuntimeLauncher> StartAsync(string root, params string[] extra) => StartAsync(root, discardOutput: false, extra);

    /// <param name="discardOutput">
    /// The runtime's stdout (where its worker's user output goes, as a container's log) goes to /dev/null instead of
    /// through this process: for the throughput of a function that prints, where reading every line here would spend
    /// the load generator's CPU on the runtime's output.
    /// </param>
    public static Task<RuntimeLauncher> StartAsync(string root, bool discardOutput, params string[] extra) =>
        StartAsync(root, discardOutput, new Dictionary<string, string>(), extra);

    /// <param name="environment">Variables set for the runtime on top of this process's (the OTLP variables of the tracing section).</param>
    public static async Task<RuntimeLauncher> StartAsync(string root, bool discardOutput, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        Directory.CreateDirectory(root);
        var tokenFile = Path.Combine(root, "..", Path.GetFileName(root) + ".token");
        await File.WriteAllTextAsync(tokenFile, Token);
        var port = Kt.Core.LoopbackPort.Free();
        var info = discardOutput
            ? new ProcessStartInfo("/bin/sh") { UseShellExecute = false, RedirectStandardOutput = false, RedirectStandardError = true, ArgumentList = { "-c", "exec \"$0\" \"$@\" >/dev/null", "dotnet" } }
            : new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, PodRuntimeFiles.FolderName, PodRuntimeFiles.AssemblyName));
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--root", root, "--token-file", tokenFile }.Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }

        var clock = Stopwatch.StartNew();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        if (!discardOutput)
        {
            process.BeginOutputReadLine();
        }

        process.BeginErrorReadLine();
        var launcher = new RuntimeLauncher(process, port);
        while (!await launcher.Client.IsHealthyAsync())
        {
            await Task.Delay(2);
        }

        launcher.HealthMs = clock.Elapsed.TotalMilliseconds;
        while (!await launcher.Client.IsReadyAsync())
        {
            await Task.Delay(2);
        }

        launcher.ReadyMs = clock.Elapsed.TotalMilliseconds;
        return launcher;
    }

    /// <summary>Milliseconds from starting a bare Kestrel app (this executable, <see cref="BareKestrel.ServeVerb"/>) to its /health answering.</summary>
    public static async Task<double> BareStartMsAsync()
    {
        var port = Kt.Core.LoopbackPort.Free();
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Kt.PodRuntime.Bench.dll"));
        info.ArgumentList.Add(BareKestrel.ServeVerb);
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        try
        {
            while (true)
            {
                try
                {
                    using var answer = await probe.GetAsync(new Uri($"http://127.0.0.1:{port}/health"));
                    if (answer.IsSuccessStatusCode)
                    {
                        return clock.Elapsed.TotalMilliseconds;
                    }
                }
                catch (HttpRequestException)
                {
                }

                await Task.Delay(2);
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }


    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
