using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>
/// Points KT_HOME at a temporary folder for this test assembly, so that whatever the tests deploy is recorded (and
/// torn down) there, and gives each test a code folder: a copy of this test assembly's output plus a message file.
/// </summary>
public sealed class DevLoopFixture : IDisposable
{
    private readonly TempFolder _home = new("kt-devloop-home");

    public DevLoopFixture()
    {
        Environment.SetEnvironmentVariable("KT_HOME", _home.Path);
    }

    /// <summary>A code folder: this assembly's output (without kt-runtime) and <c>message.txt</c>.</summary>
    public string CreateCodeFolder(TempFolder temp, string message)
    {
        var code = temp.Combine("code");
        foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory, "*.dll").Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.json")))
        {
            Directory.CreateDirectory(code);
            File.Copy(file, Path.Combine(code, Path.GetFileName(file)), overwrite: true);
        }

        File.WriteAllText(Path.Combine(code, "message.txt"), message);
        return code;
    }

    public void Dispose() => _home.Dispose();
}

[CollectionDefinition(Name)]
public sealed class DevLoopCollection : ICollectionFixture<DevLoopFixture>
{
    public const string Name = "dev loop";
}
