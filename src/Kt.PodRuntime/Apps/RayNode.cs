using System.Diagnostics;
using Kt.PodRuntime.Supervision;
using Microsoft.Extensions.Logging;

namespace Kt.PodRuntime.Apps;

/// <summary>
/// The Ray node of a RayCluster pod. Kt keeps its own container command (annotation
/// <c>ray.io/overwrite-container-cmd</c>), so KubeRay hands its generated <c>ray start … --block</c> line over in
/// <c>KUBERAY_GEN_RAY_START_CMD</c> and leaves running it to the container, together with the <c>ulimit</c> it would
/// otherwise add. The node runs beside the server; when it ends, the pod is no Ray node any more, so the runtime ends
/// too and the kubelet restarts the container, as it would restart a plain <c>ray start --block</c> container.
/// </summary>
public sealed class RayNode : IDisposable
{
    public const string StartCommandVariable = "KUBERAY_GEN_RAY_START_CMD";

    private readonly Process _process;

    private volatile bool _stopping;

    private RayNode(Process process) => _process = process;

    /// <summary>Starts the node when KubeRay asked for one; null otherwise.</summary>
    /// <param name="onExit">Called with the exit code when the node ends on its own.</param>
    public static RayNode? StartIfRequested(UserEnvironment environment, ILogger logger, Action<int> onExit)
    {
        // Read from the runtime's own environment: KubeRay sets it on the container, and an applied plan's environment
        // (which replaces the inherited one for user code) does not carry it.
        var command = Environment.GetEnvironmentVariable(StartCommandVariable);
        if (string.IsNullOrWhiteSpace(command))
        {
            return null;
        }

        var info = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        info.ArgumentList.Add("-c");
        // KubeRay's own container command raises the open-file limit before ray start; do the same, tolerating refusal.
        info.ArgumentList.Add("ulimit -n 65536 2>/dev/null || true\n" + command);
        if (environment.WorkingDirectory is { } directory)
        {
            info.WorkingDirectory = directory;
        }

        info.Environment.Clear();
        foreach (var (name, value) in environment.Variables)
        {
            info.Environment[name] = value;
        }

        info.Environment[StartCommandVariable] = command;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new RayNode(process);
        process.Exited += (_, _) =>
        {
            if (!node._stopping)
            {
                logger.LogError("The Ray node ended with exit code {Code}; the runtime stops so that the pod restarts.", process.ExitCode);
                onExit(process.ExitCode);
            }
        };
        process.Start();
        logger.LogInformation("Ray node started (pid {Pid}).", process.Id);
        return node;
    }

    public void Dispose()
    {
        _stopping = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }
}
