using System.IO.Compression;
using System.Text;
using Kt.TestSupport;

namespace Kt.Templates.Tests;

/// <summary>
/// SourceLink as the SDK builds it in: a checkout whose <c>origin</c> is a GitHub URL packs packages naming the
/// repository, the project URL and the commit, and PDBs whose sources map to that commit (the clone holds the
/// committed tree, as CI checks it out).
/// </summary>
public sealed class SourceLinkTests
{
    [Fact]
    public void A_checkout_with_a_github_remote_packs_the_repository_url_commit_and_source_links()
    {
        using var temp = new TempFolder("kt-sourcelink");
        var clone = temp.Combine("kt");
        ProcessRunner.Run("git", ["clone", "--quiet", "--no-hardlinks", Environments.RepositoryRoot, clone]).EnsureSuccess("git clone");
        ProcessRunner.Run("git", ["-C", clone, "remote", "set-url", "origin", "https://github.com/example/kt.git"]).EnsureSuccess("git remote set-url");
        var commit = ProcessRunner.Run("git", ["-C", clone, "rev-parse", "HEAD"]).EnsureSuccess("git rev-parse").Output.Trim();

        FreshUser.RunDotnet(clone, null, ["pack", Path.Combine(clone, "src", "Kt.Core", "Kt.Core.csproj"), "-c", "Release", "-o", temp.Combine("packages")])
            .EnsureSuccess("dotnet pack Kt.Core");

        using (var package = ZipFile.OpenRead(Directory.GetFiles(temp.Combine("packages"), "Kt.Core.*.nupkg").Single()))
        {
            using var nuspec = new StreamReader(package.GetEntry("Kt.Core.nuspec")!.Open());
            var text = nuspec.ReadToEnd();
            Assert.Contains("<repository type=\"git\" url=\"https://github.com/example/kt.git\"", text, StringComparison.Ordinal);
            Assert.Contains($"commit=\"{commit}\"", text, StringComparison.Ordinal);
            Assert.Contains("<projectUrl>https://github.com/example/kt</projectUrl>", text, StringComparison.Ordinal);
        }

        using var symbols = ZipFile.OpenRead(Directory.GetFiles(temp.Combine("packages"), "Kt.Core.*.snupkg").Single());
        using var pdb = new MemoryStream();
        using (var entry = symbols.Entries.Single(e => e.Name == "Kt.Core.pdb").Open())
        {
            entry.CopyTo(pdb);
        }

        // The portable PDB's SourceLink record maps the checkout to raw files of that commit.
        Assert.Contains($"https://raw.githubusercontent.com/example/kt/{commit}/*", Encoding.UTF8.GetString(pdb.ToArray()), StringComparison.Ordinal);
    }
}
