using Microsoft.Extensions.Logging;

namespace Kt.DevLoop.Tests;

/// <summary>
/// User code the tests deploy: this very test assembly is synced to the pods (as Kt.Client syncs a program's own
/// output), and these methods are called there. They report what the pod sees, so tests can assert on it.
/// </summary>
public static class SampleFunctions
{
    /// <summary>The content of <c>message.txt</c> in the active code version, and the GREETING variable.</summary>
    public static string Describe()
    {
        var code = Environment.GetEnvironmentVariable("KT_CODE_DIR") ?? AppContext.BaseDirectory;
        var message = File.Exists(Path.Combine(code, "message.txt")) ? File.ReadAllText(Path.Combine(code, "message.txt")).Trim() : "(none)";
        Console.WriteLine($"describing {message}");
        return $"{message}|{Environment.GetEnvironmentVariable("GREETING")}";
    }

    public static int Rank() => int.Parse(Environment.GetEnvironmentVariable("RANK") ?? "-1", System.Globalization.CultureInfo.InvariantCulture);

    public static string ReadFile(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : "(missing)";

    public static string Twice(string text) => text + text;

    /// <summary>Uses <paramref name="mebibytes"/> of native memory, every page touched (the GC's limit does not stop it; only the kernel does).</summary>
    public static int Hog(int mebibytes)
    {
        var chunks = 0;
        for (var i = 0; i < mebibytes; i += 16, chunks++)
        {
            var chunk = System.Runtime.InteropServices.Marshal.AllocHGlobal(16 << 20);
            for (var page = 0; page < 16 << 20; page += 4096)
            {
                System.Runtime.InteropServices.Marshal.WriteByte(chunk, page, 1);
            }
        }

        return chunks;
    }

    /// <summary>
    /// Logs <paramref name="steps"/> lines through a logger from a static console LoggerFactory, as a user's code
    /// often does: the console logger writes them from its own queue thread, not from the call.
    /// </summary>
    public static int LogSteps(string run, int steps)
    {
        for (var i = 0; i < steps; i++)
        {
            StaticLog.Logger.LogInformation("{Run} step {Step}", run, i);
        }

        return steps;
    }
}

/// <summary>The static logger of <see cref="SampleFunctions.LogSteps"/>: created by the first call, shared by all.</summary>
internal static class StaticLog
{
    private static readonly ILoggerFactory Factory = LoggerFactory.Create(builder => builder.AddSimpleConsole(o => o.SingleLine = true));

    public static readonly ILogger Logger = Factory.CreateLogger("Steps");
}

/// <summary>A stateful class for kt.Cls.</summary>
public sealed class SampleCounter(int start)
{
    private int _value = start;

    public int Add(int amount) => _value += amount;
}

/// <summary>A class whose constructor leaves a mark on this machine's disk (process pods share it): shows when an instance is created.</summary>
public sealed class SampleMarker
{
    public SampleMarker(string markerFile) => File.WriteAllText(markerFile, "constructed");

    public string Hello(string name) => $"marker says hi to {name}";
}
