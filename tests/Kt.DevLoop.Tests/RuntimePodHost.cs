using System.Diagnostics;
using Kt.DevLoop.Backends;
using Kt.FakeKubeApi;

namespace Kt.DevLoop.Tests;

/// <summary>
/// Containers for the fake API server's pods: each is the real Kt pod runtime as a loopback process, started with
/// the environment the kubelet resolved from the pod template (token from the Secret, pod name, service, setup
/// epoch). The in-cluster peer URL (the Service's DNS name) becomes the loopback address of a ready pod behind that
/// Service, as cluster DNS and the Service's endpoints would route it.
/// </summary>
internal sealed class RuntimePodHost(string root) : IPodHost
{
    public async Task<IPodProcess> StartAsync(PodLaunch launch, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(root, launch.Name);
        Directory.CreateDirectory(folder);
        var runtime = PodRuntimeFiles.Locate();
        var portFile = Path.Combine(folder, "port");
        var info = new ProcessStartInfo(runtime.DotnetHost) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { runtime.RuntimeAssembly, "--port", "0", "--bind", "127.0.0.1", "--root", Path.Combine(folder, "data"), "--port-file", portFile })
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in launch.Environment)
        {
            info.Environment[name] = value;
        }

        info.Environment.Remove("KT_PEER_URL");
        if (launch.Environment.TryGetValue("KT_PEER_URL", out var peer) && launch.Cluster.ResolveServiceUrl(new Uri(peer)) is { } loopback)
        {
            info.Environment["KT_PEER_URL"] = loopback.ToString();
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (!File.Exists(portFile) || new FileInfo(portFile).Length == 0)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"pod {launch.Name}: the runtime exited with {process.ExitCode}");
            }

            await Task.Delay(20, deadline.Token).ConfigureAwait(false); // polls the port file the runtime writes once listening
        }

        return new RuntimeProcess(process, int.Parse(await File.ReadAllTextAsync(portFile, cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture));
    }

    private sealed class RuntimeProcess(Process process, int port) : IPodProcess
    {
        public bool HasExited => process.HasExited;

        public int PortFor(int containerPort) => port;

        public async ValueTask DisposeAsync()
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            process.Dispose();
        }
    }
}
