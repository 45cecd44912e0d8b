using System.Diagnostics;
using System.Reflection;
using Kt.PodRuntime.Worker;

namespace Kt.PodRuntime.Supervision;

/// <summary>
/// Builds the start info of a worker: this same executable with the worker verb, the user environment only, and —
/// where the app has a runtimeconfig and the runtime runs on the shared host — the app's runtime knobs.
/// </summary>
internal static class WorkerLaunch
{
    private const string ModifiableAssemblies = "DOTNET_MODIFIABLE_ASSEMBLIES";

    /// <param name="runtimeConfig">A worker runtimeconfig (<see cref="WorkerRuntimeConfig"/>), or null for the runtime's own.</param>
    /// <param name="followVersion">No working directory is defined: the current directory follows the active version.</param>
    public static ProcessStartInfo Create(
        string socketPath, IReadOnlyDictionary<string, string> environment, string workingDirectory, string? runtimeConfig = null, bool followVersion = false,
        UserSwitch? user = null)
    {
        var processPath = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find the runtime executable.");
        var info = new ProcessStartInfo
        {
            FileName = processPath,
            UseShellExecute = false,
            RedirectStandardError = true,
            RedirectStandardOutput = false, // inherited: user output reaches the container log directly
            RedirectStandardInput = false,
            WorkingDirectory = workingDirectory,
        };

        // Framework-dependent runs (dotnet Kt.PodRuntime.dll) need the assembly path; self-contained ones do not, and
        // cannot take another runtimeconfig (their runtime is fixed).
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            if (runtimeConfig is not null)
            {
                info.ArgumentList.Add("exec");
                info.ArgumentList.Add("--runtimeconfig");
                info.ArgumentList.Add(runtimeConfig);
            }

            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        info.ArgumentList.Add(WorkerProcessStart.Verb);
        info.ArgumentList.Add(WorkerProcessStart.SocketOption);
        info.ArgumentList.Add(socketPath);
        if (followVersion)
        {
            info.ArgumentList.Add(WorkerProcessStart.FollowVersionOption);
        }

        info.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        // IL deltas (kt watch) apply only to a process started so; it changes nothing for an optimized (Release) assembly.
        if (!info.Environment.ContainsKey(ModifiableAssemblies))
        {
            info.Environment[ModifiableAssemblies] = "debug";
        }

        return user is null ? info : user.Apply(info);
    }
}
