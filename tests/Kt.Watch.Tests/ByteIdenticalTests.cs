using Kt.TestSupport;

namespace Kt.Watch.Tests;

/// <summary>
/// The assembly the warm compiler emits is the one <c>dotnet build</c> emits for the same sources, byte for byte (and
/// so is its PDB): both are deterministic, and the watch uses the SDK's own compiler with the project's own arguments,
/// editorconfigs and source generators.
/// </summary>
[Collection(WatchCollection.Name)]
public sealed class ByteIdenticalTests
{
    [Fact]
    public async Task The_template_project_compiles_to_the_bytes_dotnet_build_writes()
    {
        using var folder = new TempFolder("kt-watch-template");
        var template = Path.Combine(Environments.RepositoryRoot, "templates", "kt-project");
        foreach (var source in new[] { "Functions.cs", "Counter.cs", "Program.cs" })
        {
            File.Copy(Path.Combine(template, source), folder.Combine(source));
        }

        // The template's csproj, with the Kt.Client this test was built with instead of the package (no pack, no restore of the repository).
        var references = string.Concat(new[] { "Kt.Client", "Kt.Core", "Kt.DevLoop", "Kt.ImageCompiler", "Kt.PodRuntime.Client" }
            .Select(a => $"<Reference Include=\"{a}\" HintPath=\"{Path.Combine(AppContext.BaseDirectory, a + ".dll")}\" />"));
        var csproj = File.ReadAllText(Path.Combine(template, "KtProject.csproj"))
            .Replace("<PackageReference Include=\"Kt.Client\" Version=\"KT_PACKAGE_VERSION\" />", references, StringComparison.Ordinal)
            .Replace("<PackageReference Include=\"Kt.MSBuild\" Version=\"KT_PACKAGE_VERSION\" PrivateAssets=\"all\" />", "", StringComparison.Ordinal);
        Assert.Contains("Kt.Client.dll", csproj, StringComparison.Ordinal);
        File.WriteAllText(folder.Combine("KtProject.csproj"), csproj);

        await AssertSameBytesAsync(folder, "KtProject");
    }

    [Fact]
    public async Task A_project_with_source_generators_compiles_to_the_bytes_dotnet_build_writes()
    {
        using var folder = new TempFolder("kt-watch-generators");
        folder.Write("Gen.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
            </Project>
            """);
        folder.Write("Program.cs", """
            using System.Text.Json;
            using System.Text.Json.Serialization;
            using System.Text.RegularExpressions;

            var point = new Point(3, 4);
            Console.WriteLine(JsonSerializer.Serialize(point, PointContext.Default.Point));
            Console.WriteLine(Patterns.Digits().IsMatch("12345"));

            public sealed record Point(int X, int Y);

            [JsonSerializable(typeof(Point))]
            internal sealed partial class PointContext : JsonSerializerContext;

            internal static partial class Patterns
            {
                [GeneratedRegex(@"^\d+$")]
                internal static partial Regex Digits();
            }
            """);

        await AssertSameBytesAsync(folder, "Gen");
    }

    private static async Task AssertSameBytesAsync(TempFolder folder, string name)
    {
        var build = ProcessRunner.Run("dotnet", ["build", "-c", "Release", "-nologo"], folder.Path, TimeSpan.FromMinutes(4));
        Assert.True(build.ExitCode == 0, build.Output + build.Error);

        var inputs = await ProjectInputs.ReadAsync(folder.Combine(name + ".csproj"), "Release", CancellationToken.None);
        var compiler = ProjectCompiler.Create(inputs);
        var result = compiler.Emit(CancellationToken.None);
        Assert.True(result.Success, string.Join('\n', result.Errors));

        var built = folder.Combine("obj", "Release", "net10.0");
        Assert.Equal(File.ReadAllBytes(Path.Combine(built, name + ".dll")), result.Assembly);
        Assert.Equal(File.ReadAllBytes(Path.Combine(built, name + ".pdb")), result.Pdb);
    }
}
