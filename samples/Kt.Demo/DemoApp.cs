using System.Diagnostics;

/// <summary>Writes and publishes the demo's tiny app (isolated from the repository's build settings).</summary>
internal static class DemoApp
{
    public static async Task<string> CreateAndPublishAsync(string project, string greeting)
    {
        File.WriteAllText(Path.Combine(project, "Hello.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), $"System.Console.WriteLine(\"{greeting}\");\n");
        var root = Path.GetDirectoryName(project)!;
        File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(root, "Directory.Packages.props"), "<Project />");
        var publish = Path.Combine(project, "publish");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(new ProcessStartInfo("dotnet", ["publish", project, "-c", "Release", "-o", publish, "--nologo", "-v", "q"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("dotnet publish failed:\n" + output + await process.StandardError.ReadToEndAsync());
        }

        Console.WriteLine($"  dotnet publish: {clock.ElapsedMilliseconds} ms");
        return publish;
    }
}
