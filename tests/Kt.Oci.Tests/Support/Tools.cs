using System.Diagnostics;
using System.Net.Sockets;

namespace Kt.Oci.Tests;

/// <summary>Runs the independent checkers (skopeo, umoci, docker) and says whether the real parts are here.</summary>
public static class Tools
{
    public const string Registry = "127.0.0.1:5000";

    public static bool RegistryAvailable { get; } = CanConnect(5000);

    public static bool DockerAvailable { get; } = File.Exists("/var/run/docker.sock") && Exists("docker");

    public static bool SkopeoAvailable { get; } = Exists("skopeo");

    public static bool UmociAvailable { get; } = Exists("umoci");

    public static (int ExitCode, string Output) Run(string file, params string[] arguments) => RunWithInput(file, null, arguments);

    public static (int ExitCode, string Output) RunWithInput(string file, Func<Stream, Task>? writeInput, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = writeInput is not null,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (writeInput is not null)
        {
            writeInput(process.StandardInput.BaseStream).GetAwaiter().GetResult();
            process.StandardInput.Close();
        }

        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not finish in 2 minutes.");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static string RunOk(string file, params string[] arguments)
    {
        var (code, output) = Run(file, arguments);
        Assert.True(code == 0, $"{file} {string.Join(' ', arguments)} exited {code}: {output}");
        return output;
    }

    private static bool Exists(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Any(dir => File.Exists(Path.Combine(dir, tool)));

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            return client.ConnectAsync("127.0.0.1", port).Wait(TimeSpan.FromSeconds(1)) && client.Connected;
        }
        catch (Exception e) when (e is SocketException or AggregateException)
        {
            return false;
        }
    }
}
