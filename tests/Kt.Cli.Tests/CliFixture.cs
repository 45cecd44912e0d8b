using Kt.TestSupport;

namespace Kt.Cli.Tests;

/// <summary>
/// KT_HOME in a temporary folder for this assembly (what the process backend records lives there), and code folders:
/// copies of this test assembly's output, which pods run as user code (<see cref="CliSampleFunctions"/>).
/// </summary>
public sealed class CliFixture : IDisposable
{
    private readonly TempFolder _home = new("kt-cli-home");

    public CliFixture()
    {
        Environment.SetEnvironmentVariable("KT_HOME", _home.Path);
        // No cluster unless a test starts one: whatever kubeconfig this machine has is not the tests' business.
        Environment.SetEnvironmentVariable("KUBECONFIG", _home.Combine("no-kubeconfig"));
    }

    public string Home => _home.Path;

    public static string CreateCodeFolder(TempFolder temp)
    {
        var code = temp.Combine("code");
        Directory.CreateDirectory(code);
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll").Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.json")))
        {
            File.Copy(file, Path.Combine(code, Path.GetFileName(file)), overwrite: true);
        }

        return code;
    }

    public void Dispose() => _home.Dispose();
}

/// <summary>The verbs' tests set process-wide variables (KT_HOME, KUBECONFIG): one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliFixture>
{
    public const string Name = "kt verbs";
}

/// <summary>User code the tests deploy and call: its output is what <c>kt logs</c> shows.</summary>
public static class CliSampleFunctions
{
    public static string Say(string text)
    {
        Console.WriteLine($"saying {text}");
        return text;
    }
}
