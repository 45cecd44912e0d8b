using Kt.TestSupport;

namespace Kt.Templates.Tests;

/// <summary>
/// Every Kt package and the template, packed once per test run with a version of their own, the way
/// <c>./build.sh pack</c> packs them (the solution's Release build, no rebuild; then the template, which stamps this
/// version and this folder into its template.json), into where <c>./build.sh pack</c> puts them: the
/// <c>artifacts/packages</c> folder of a checkout (<see cref="Checkout"/>), whose parent is private (mode 0700), as a
/// clone in root's home or in <c>mktemp -d</c> is.
/// </summary>
public sealed class PackedFeed : IDisposable
{
    private readonly TempFolder _root = new("kt-feed");

    /// <summary>The repository URL the packs are given (as a release passes KT_REPOSITORY_URL).</summary>
    public const string RepositoryUrl = "https://git.example/kt/kt";

    public PackedFeed()
    {
        Version = "0.1.0-test.t" + Guid.NewGuid().ToString("N")[..10];
        File.SetUnixFileMode(_root.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Checkout = _root.Combine("kt");
        Folder = Path.Combine(Checkout, "artifacts", "packages");
        var root = Environments.RepositoryRoot;
        var solution = FreshUser.RunDotnet(root, null, ["pack", Path.Combine(root, "Kt.slnx"), "-c", "Release", "--no-build", "-o", Folder, $"-p:Version={Version}", $"-p:KtRepositoryUrl={RepositoryUrl}"]);
        var template = FreshUser.RunDotnet(root, null, ["pack", Path.Combine(root, "templates", "Kt.Templates.csproj"), "-c", "Release", "-o", Folder, $"-p:Version={Version}", $"-p:KtRepositoryUrl={RepositoryUrl}"]);
        PackOutput = solution.Output + solution.Error + template.Output + template.Error;
        solution.EnsureSuccess("dotnet pack Kt.slnx (build the solution in Release first)");
        template.EnsureSuccess("dotnet pack templates/Kt.Templates.csproj");
    }

    /// <summary>Where the README's user stands after <c>./build.sh pack</c>: the folder with <c>artifacts/packages</c>.</summary>
    public string Checkout { get; }

    /// <summary>The folder holding the packages (a local NuGet source): <c>artifacts/packages</c> of <see cref="Checkout"/>.</summary>
    public string Folder { get; }

    /// <summary>The version every package of this feed has.</summary>
    public string Version { get; }

    /// <summary>What both packs printed (standard output and error).</summary>
    public string PackOutput { get; }

    public string Package(string id) => Path.Combine(Folder, $"{id}.{Version}.nupkg");

    public void Dispose() => _root.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "packed feed";
}
