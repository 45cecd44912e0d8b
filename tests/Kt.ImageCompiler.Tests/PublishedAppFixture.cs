using Kt.TestSupport;

namespace Kt.ImageCompiler.Tests;

/// <summary>
/// A real <c>dotnet publish</c> of a tiny console app with one project reference and one NuGet package (served by the
/// mirror), made once per test run: the input of the app-layering tests.
/// </summary>
public sealed class PublishedAppFixture : IDisposable
{
    public PublishedAppFixture()
    {
        Folder = new TempFolder("kt-app");
        Folder.Write("Lib/Lib.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
            </Project>
            """);
        Folder.Write("Lib/Greeter.cs", "namespace Lib; public static class Greeter { public static string Hello() => \"hello\"; }");
        Folder.Write("App/App.csproj", """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="../Lib/Lib.csproj" />
                <PackageReference Include="Newtonsoft.Json" Version="13.0.1" />
              </ItemGroup>
            </Project>
            """);
        Folder.Write("App/Program.cs", "System.Console.WriteLine(Newtonsoft.Json.JsonConvert.SerializeObject(Lib.Greeter.Hello()));");
        // An isolated folder: the repo's Directory.Build.props (central package management) must not apply.
        Folder.Write("Directory.Build.props", "<Project />");
        Folder.Write("Directory.Packages.props", "<Project />");
        ProcessRunner.Run("dotnet", ["publish", "App/App.csproj", "-c", "Release", "-o", Folder.Combine("publish"), "--nologo"], Folder.Path,
            TimeSpan.FromMinutes(4)).EnsureSuccess("dotnet publish");
    }

    public TempFolder Folder { get; }

    public string PublishDirectory => Folder.Combine("publish");

    public void Dispose() => Folder.Dispose();
}
