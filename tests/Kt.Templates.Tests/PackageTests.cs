using System.IO.Compression;
using System.Xml.Linq;

namespace Kt.Templates.Tests;

/// <summary>The packages as a NuGet user meets them: packed without a warning, each with what nuget.org and IntelliSense show.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class PackageTests(PackedFeed feed)
{
    // Not libraries: the task package (tasks/, no lib/), the template package (content only) and the kt tool (tools/).
    private static readonly string[] NotLibraries = ["Kt.MSBuild", "Kt.Templates", "Kt.Cli"];

    [Fact]
    public void Packing_the_solution_and_the_template_prints_no_warning()
    {
        var warnings = feed.PackOutput.Split('\n').Where(l => l.Contains("warning", StringComparison.OrdinalIgnoreCase) || l.Contains("missing a readme", StringComparison.Ordinal)).ToList();

        Assert.True(warnings.Count == 0, "pack warnings:\n" + string.Join('\n', warnings));
        Assert.True(File.Exists(feed.Package("Kt.MSBuild")), "Kt.MSBuild was packed");
    }

    [Fact]
    public void Every_package_has_a_readme_description_tags_license_and_repository() =>
        Assert.All(PackageIds(), HasMetadata);

    [Fact]
    public void Every_code_package_has_a_symbol_package_with_its_pdbs() =>
        Assert.All(PackageIds().Where(id => id != "Kt.Templates"), HasSymbols);

    [Fact]
    public void Every_library_ships_its_XML_documentation() =>
        Assert.All(PackageIds().Except(NotLibraries), HasDocumentation);

    private void HasMetadata(string id)
    {
        using var package = ZipFile.OpenRead(feed.Package(id));
        var metadata = Nuspec(package, id);

        Assert.False(string.IsNullOrWhiteSpace(Value(metadata, "description")), "description");
        Assert.Contains("kt", Value(metadata, "tags").Split(' '));
        Assert.Equal("Apache-2.0", Value(metadata, "license"));
        Assert.Equal(PackedFeed.RepositoryUrl, Value(metadata, "projectUrl"));
        Assert.Equal(PackedFeed.RepositoryUrl, metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("url")?.Value);
        var readme = Value(metadata, "readme");
        Assert.Equal("README.md", readme);
        using var text = new StreamReader(package.GetEntry(readme)!.Open());
        Assert.StartsWith($"# {id}", text.ReadToEnd(), StringComparison.Ordinal);
    }

    private void HasSymbols(string id)
    {
        var symbols = Path.ChangeExtension(feed.Package(id), ".snupkg");
        Assert.True(File.Exists(symbols), $"{Path.GetFileName(symbols)} is packed");
        using var package = ZipFile.OpenRead(symbols);
        Assert.Contains(package.Entries, e => e.FullName.EndsWith($"/{id}.pdb", StringComparison.Ordinal));
    }

    private void HasDocumentation(string id)
    {
        using var package = ZipFile.OpenRead(feed.Package(id));
        var docs = package.GetEntry($"lib/net10.0/{id}.xml");

        Assert.NotNull(docs);
        using var stream = docs.Open();
        Assert.NotEmpty(XDocument.Load(stream).Descendants("member"));
    }

    [Fact]
    public void The_client_documents_every_call_overload_with_its_cancellation_token()
    {
        using var package = ZipFile.OpenRead(feed.Package("Kt.Client"));
        using var stream = package.GetEntry("lib/net10.0/Kt.Client.xml")!.Open();
        var members = XDocument.Load(stream).Descendants("member").ToDictionary(m => m.Attribute("name")!.Value);

        var overloads = members.Keys.Where(k => k.Contains(".CallAsync``1(", StringComparison.Ordinal) || k.Contains(".CallAllAsync``1(", StringComparison.Ordinal)).ToList();
        Assert.True(overloads.Count >= 10, $"call overloads documented: {overloads.Count}");
        Assert.All(overloads, name =>
        {
            Assert.Contains("System.Threading.CancellationToken", name, StringComparison.Ordinal);
            Assert.Contains(members[name].Elements("param"), p => p.Attribute("name")?.Value == "cancellationToken");
        });
    }

    /// <summary>Every package of the feed: a package added to the solution is checked without a change here.</summary>
    private List<string> PackageIds()
    {
        var ids = Directory.GetFiles(feed.Folder, "*.nupkg").Select(f => Path.GetFileName(f)[..^$".{feed.Version}.nupkg".Length]).Order().ToList();
        Assert.Contains("Kt.Client", ids);
        Assert.Contains("Kt.Templates", ids);
        return ids;
    }

    private static XElement Nuspec(ZipArchive package, string id)
    {
        using var stream = package.GetEntry($"{id}.nuspec")!.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string Value(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
}
