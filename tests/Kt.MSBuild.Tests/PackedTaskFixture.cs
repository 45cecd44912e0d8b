using Kt.TestSupport;

namespace Kt.MSBuild.Tests;

/// <summary>
/// Packs Kt.MSBuild (once, on first use) into a temp feed and creates throw-away console projects that consume it
/// the way a user would: a PackageReference, nothing from this repository's Directory.*.props.
/// </summary>
/// <remarks>
/// Freshness: the package keeps its real version (0.1.0) and the consumer projects restore with NUGET_PACKAGES set to
/// a temp folder, so the just-packed package is always the one extracted (a stale 0.1.0 in ~/.nuget/packages can never
/// win) and the user's package folder is left untouched. The feed is the only package source: a console project needs
/// no other package, and the test then works offline.
/// </remarks>
public sealed class PackedTaskFixture : IDisposable
{
    public const string PackageVersion = "0.1.0";

    private readonly TempFolder _root = new("kt-msbuild-e2e");
    private readonly Lazy<string> _feed;
    private readonly HashSet<string> _packedLibraries = new(StringComparer.Ordinal);

    public PackedTaskFixture()
    {
        _feed = new Lazy<string>(Pack, LazyThreadSafetyMode.ExecutionAndPublication);
        // Empty Directory.* files stop MSBuild from looking further up for props of some other tree.
        _root.Write("Directory.Build.props", "<Project />");
        _root.Write("Directory.Build.targets", "<Project />");
        _root.Write("Directory.Packages.props", "<Project />");
        // Whatever KtDeploy creates is recorded under the fixture (the dotnet processes inherit this).
        Environment.SetEnvironmentVariable("KT_HOME", _root.Combine("kt-home"));
    }

    /// <summary>Blob and step cache shared by the projects of this fixture (kept out of ~/.kt).</summary>
    public string CacheDirectory => _root.Combine("kt-cache");

    public string Combine(params string[] parts) => _root.Combine(parts);

    /// <summary>Writes a console project that references the packed Kt.MSBuild; <paramref name="ktItems"/> go into the csproj.</summary>
    /// <param name="under">A folder (relative to the fixture root) to create the project in, e.g. a second checkout.</param>
    public string CreateConsoleProject(string name, string ktProperties, string ktItems, string? under = null)
    {
        _ = _feed.Value;
        var relative = under is null ? name : $"{under}/{name}";
        var folder = _root.Combine(relative);
        _root.Write($"{relative}/{name}.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <!-- The test base images carry no ICU: as `dotnet App.dll` there, user code needs invariant mode. -->
                <InvariantGlobalization>true</InvariantGlobalization>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                {ktProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Kt.MSBuild" Version="{PackageVersion}" PrivateAssets="all" />
              </ItemGroup>
              <ItemGroup>
                {ktItems}
              </ItemGroup>
            </Project>
            """);
        _root.Write($"{relative}/Program.cs", "Console.WriteLine(\"hello from kt\");\n");
        return folder;
    }

    /// <summary>
    /// Packs small class libraries (id → SPDX licence expression) into the fixture's feed, once per fixture: real NuGet
    /// packages a consumer project can reference offline. Version 1.0.0.
    /// </summary>
    public void PackLibraries(IReadOnlyDictionary<string, string> licences)
    {
        lock (_packedLibraries)
        {
            var missing = licences.Where(l => _packedLibraries.Add(l.Key)).ToList();
            if (missing.Count == 0)
            {
                return;
            }

            var solution = new System.Text.StringBuilder("<Solution>\n");
            foreach (var (id, licence) in missing)
            {
                _root.Write($"libs/{id}/{id}.csproj", $"""
                    <Project Sdk="Microsoft.NET.Sdk">
                      <PropertyGroup>
                        <TargetFramework>net10.0</TargetFramework>
                        <Version>1.0.0</Version>
                        <Authors>Kt tests</Authors>
                        <Description>A package for Kt's tests.</Description>
                        <PackageLicenseExpression>{licence}</PackageLicenseExpression>
                      </PropertyGroup>
                    </Project>
                    """);
                _root.Write($"libs/{id}/Library.cs", $"namespace {id};\n\npublic static class Library\n{{\n    public static string Name => \"{id}\";\n}}\n");
                solution.Append($"  <Project Path=\"{id}/{id}.csproj\" />\n");
            }

            var name = $"libs-{Guid.NewGuid():N}.slnx";
            _root.Write($"libs/{name}", solution.Append("</Solution>\n").ToString());
            Dotnet(_root.Combine("libs"), "pack", name, "-c", "Release", "-o", _feed.Value).EnsureSuccess("dotnet pack the test libraries");
        }
    }

    /// <summary>Runs <c>dotnet</c> in <paramref name="folder"/> with the fixture's package folder; output and error together.</summary>
    public ProcessRunner.Result Dotnet(string folder, params string[] arguments) =>
        RunDotnet(folder, arguments, _root.Combine("nuget-packages"));

    /// <summary>As <see cref="Dotnet"/>, restoring into <paramref name="packagesFolder"/> (a machine with another NuGet cache).</summary>
    public ProcessRunner.Result DotnetWithPackages(string packagesFolder, string folder, params string[] arguments) =>
        RunDotnet(folder, arguments, packagesFolder);

    private string Pack()
    {
        var feed = _root.Combine("feed");
        _root.Write("nuget.config", $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="kt-test-feed" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        var project = Path.Combine(Environments.RepositoryRoot, "src", "Kt.MSBuild", "Kt.MSBuild.csproj");
        // The repository's own restore settings apply here (its packages come from the usual folder and sources).
        RunDotnet(Environments.RepositoryRoot, ["pack", project, "-c", "Release", "-o", feed], packagesFolder: null)
            .EnsureSuccess("dotnet pack Kt.MSBuild");
        return feed;
    }

    private static ProcessRunner.Result RunDotnet(string folder, IReadOnlyList<string> arguments, string? packagesFolder) =>
        ProcessRunner.Dotnet(folder, arguments, packagesFolder is null ? null : new Dictionary<string, string> { ["NUGET_PACKAGES"] = packagesFolder });

    public void Dispose() => _root.Dispose();
}
