using System.Diagnostics;
using System.Reflection;
using Kt.PodRuntime.Worker;

namespace Kt.PodRuntime.Supervision;

/// <summary>Builds the start info of a worker: this same executable with the worker verb, and the user environment only.</summary>
internal static class WorkerLaunch
{
    public static ProcessStartInfo Create(string socketPath, IReadOnlyDictionary<string, string> environment, string workingDirectory)
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

        // Framework-dependent runs (dotnet Kt.PodRuntime.dll) need the assembly path; self-contained ones do not.
        if (Path.GetFileNameWithoutExtension(processPath) == "dotnet")
        {
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        info.ArgumentList.Add(WorkerProcessStart.Verb);
        info.ArgumentList.Add(WorkerProcessStart.SocketOption);
        info.ArgumentList.Add(socketPath);

        info.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return info;
    }
}
