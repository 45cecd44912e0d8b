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

    [Fact]
    public async Task A_library_edit_recompiles_the_library_and_when_its_surface_changes_its_dependent_to_the_bytes_dotnet_build_writes()
    {
        using var folder = new TempFolder("kt-watch-references");
        folder.Write("Lib/Lib.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <GenerateDocumentationFile>true</GenerateDocumentationFile>
              </PropertyGroup>
            </Project>
            """);
        folder.Write("Lib/Words.cs", Words("one", surface: ""));
        folder.Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Lib/Lib.csproj" />
              </ItemGroup>
            </Project>
            """);
        folder.Write("App/Program.cs", "System.Console.WriteLine(Lib.Words.Word());\n");
        var publish = ProcessRunner.Run("dotnet", ["publish", "App/App.csproj", "-c", "Release", "-nologo"], folder.Path, TimeSpan.FromMinutes(4));
        Assert.True(publish.ExitCode == 0, publish.Output + publish.Error);

        var graph = await ProjectGraph.ReadAsync(new WatchOptions { Configuration = "Release", ProjectFile = folder.Combine("App", "App.csproj") }, CancellationToken.None);
        Assert.Equal([folder.Combine("App"), folder.Combine("Lib")], graph.CompiledDirectories);

        // A body-only edit leaves the reference assembly as it was: the app is not recompiled (as MSBuild skips it).
        folder.Write("Lib/Words.cs", Words("two", surface: ""));
        graph.Replace(folder.Combine("Lib", "Words.cs"));
        var bodyOnly = graph.Emit(CancellationToken.None);
        Assert.True(bodyOnly.Success, string.Join('\n', bodyOnly.Errors));
        Assert.Equal(["Lib.dll"], bodyOnly.Emitted.Select(e => e.Project.OutputFileName));

        // A new public member changes it: the app compiles against the new one, and may use the new member.
        folder.Write("Lib/Words.cs", Words("three", surface: "public const string Suffix = \"!\";"));
        folder.Write("App/Program.cs", "System.Console.WriteLine(Lib.Words.Word() + Lib.Words.Suffix);\n");
        graph.Replace(folder.Combine("Lib", "Words.cs"));
        graph.Replace(folder.Combine("App", "Program.cs"));
        var surface = graph.Emit(CancellationToken.None);
        Assert.True(surface.Success, string.Join('\n', surface.Errors));
        Assert.Equal(["Lib.dll", "App.dll"], surface.Emitted.Select(e => e.Project.OutputFileName));

        var build = ProcessRunner.Run("dotnet", ["build", "App/App.csproj", "-c", "Release", "-nologo"], folder.Path, TimeSpan.FromMinutes(4));
        Assert.True(build.ExitCode == 0, build.Output + build.Error);
        var (lib, app) = (surface.Emitted[0].Result, surface.Emitted[1].Result);
        var libBuilt = folder.Combine("Lib", "obj", "Release", "net10.0");
        Assert.Equal(File.ReadAllBytes(Path.Combine(libBuilt, "Lib.dll")), lib.Assembly);
        Assert.Equal(File.ReadAllBytes(Path.Combine(libBuilt, "Lib.pdb")), lib.Pdb);
        Assert.Equal(File.ReadAllBytes(Path.Combine(libBuilt, "Lib.xml")), lib.Documentation);
        Assert.Equal(File.ReadAllBytes(Path.Combine(libBuilt, "refint", "Lib.dll")), lib.ReferenceAssembly);
        var appBuilt = folder.Combine("App", "obj", "Release", "net10.0");
        Assert.Equal(File.ReadAllBytes(Path.Combine(appBuilt, "App.dll")), app.Assembly);
        Assert.Equal(File.ReadAllBytes(Path.Combine(appBuilt, "App.pdb")), app.Pdb);
    }

    private static string Words(string word, string surface) => $$"""
        namespace Lib;

        /// <summary>Words.</summary>
        public static class Words
        {
            /// <summary>A word.</summary>
            public static string Word() => "{{word}}";

            {{(surface.Length == 0 ? "" : "/// <summary>A suffix.</summary>\n    " + surface)}}
        }
        """;

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
