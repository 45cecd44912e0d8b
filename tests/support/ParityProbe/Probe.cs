using System.Diagnostics;
using System.Globalization;
using System.Resources;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace ParityProbe;

/// <summary>Prints (Main) or returns (a Kt function) one fingerprint of how the app sees its surroundings.</summary>
public static class Probe
{
    public static int Main()
    {
        Console.WriteLine(Fingerprint());
        return 0;
    }

    /// <summary>Not part of the fingerprint: tells a test whether a reload kept the worker process.</summary>
    public static int ProcessId() => Environment.ProcessId;

    public static string Fingerprint() => Describe(withNative: true);

    /// <summary>
    /// The fingerprint without the native library: Microsoft.Data.Sqlite keeps static state (its connection factory's
    /// timer) that holds a collectible load context alive, so a version that opened a connection cannot unload and the
    /// pod replaces its worker; tests of in-place reloads call this one.
    /// </summary>
    public static string Surroundings() => Describe(withNative: false);

    private static string Describe(bool withNative)
    {
        var baseDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(AppContext.BaseDirectory));
        var fields = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content.base"] = Try(() => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "data", "probe.txt"))),
            ["content.relative"] = Try(() => File.ReadAllText(Path.Combine("data", "probe.txt"))),
            ["cwd.isAppFolder"] = (Path.TrimEndingDirectorySeparator(Path.GetFullPath(Environment.CurrentDirectory)) == baseDirectory).ToString(),
            ["native.sqlite"] = withNative ? Try(SqliteVersion) : "not asked",
            ["satellite.fr"] = Try(() => new ResourceManager("ParityProbe.Strings", typeof(Probe).Assembly).GetString("Greeting", new CultureInfo("fr")) ?? "null"),
            ["knob.custom"] = AppContext.GetData("ParityProbe.Knob")?.ToString() ?? "unset",
            ["knob.invariant"] = AppContext.GetData("System.Globalization.Invariant")?.ToString() ?? "unset",
            ["user.id"] = Try(() => Run("id", "-u")),
            ["env.path.first"] = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')[0],
            ["env.path.hasUsrBin"] = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Contains("/usr/bin").ToString(),
            ["env.home.set"] = (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("HOME"))).ToString(),
            ["tool.sh"] = Try(() => Run("sh", "-c", "echo ok")),
        };
        return JsonSerializer.Serialize(fields);
    }

    private static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "select sqlite_version()";
        return command.ExecuteScalar() is string version && version.Length > 0 ? "ok" : "no version";
    }

    private static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return output;
    }

    private static string Try(Func<string> read)
    {
        try
        {
            return read();
        }
        catch (Exception ex)
        {
            return "error: " + ex.GetType().Name;
        }
    }
}
