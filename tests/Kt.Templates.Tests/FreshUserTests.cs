using System.Text.RegularExpressions;
using Kt.TestSupport;

namespace Kt.Templates.Tests;

/// <summary>The README's path for a new user, from empty caches: install the template (twice), create, publish.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed partial class FreshUserTests(PackedFeed feed) : IDisposable
{
    private readonly FreshUser _user = new();

    [Fact]
    public void The_README_install_command_succeeds_twice_and_a_new_project_restores_and_publishes_from_empty_caches()
    {
        var install = ReadmeInstallArguments();

        var first = _user.Dotnet(_user.WorkFolder, install).EnsureSuccess("first dotnet new install");
        var second = _user.Dotnet(_user.WorkFolder, install).EnsureSuccess("second dotnet new install");

        Assert.Contains($"Kt.Templates@{feed.Version}", first.Output, StringComparison.Ordinal);
        Assert.Contains("kt-project", second.Output, StringComparison.Ordinal);
        var created = _user.Dotnet(_user.WorkFolder, "new", "kt-project", "-n", "Hello").EnsureSuccess("dotnet new kt-project");
        Assert.Contains("created successfully", created.Output, StringComparison.Ordinal);
        var project = Path.Combine(_user.WorkFolder, "Hello");
        Assert.Contains(feed.Folder, File.ReadAllText(Path.Combine(project, "nuget.config")), StringComparison.Ordinal);

        var publish = _user.Dotnet(project, "publish");

        Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Output}\n{publish.Error}");
        // Both Kt packages came from the feed into the user's own (previously empty) package folder.
        Assert.True(Directory.Exists(Path.Combine(_user.NuGetPackages, "kt.client", feed.Version)), "Kt.Client restored into the empty cache");
        Assert.True(Directory.Exists(Path.Combine(_user.NuGetPackages, "kt.msbuild", feed.Version)), "Kt.MSBuild restored into the empty cache");
        Assert.True(File.Exists(Path.Combine(project, "bin", "Release", "net10.0", "publish", "Hello.dll")), "the publish output is written");
    }

    /// <summary>The README's <c>dotnet new install</c> line, with the packages folder it names replaced by this run's feed.</summary>
    private string[] ReadmeInstallArguments()
    {
        var readme = File.ReadAllText(Path.Combine(Environments.RepositoryRoot, "README.md"));
        var line = InstallLine().Match(readme);
        Assert.True(line.Success, "README.md shows a `dotnet new install` command");
        var words = line.Groups["command"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("artifacts/packages", words);
        return [.. words.Skip(1).Select(w => w == "artifacts/packages" ? feed.Folder : w)];
    }

    [GeneratedRegex(@"^(?<command>dotnet new install [^#\n]*)", RegexOptions.Multiline)]
    private static partial Regex InstallLine();

    public void Dispose() => _user.Dispose();
}
