using System.IO.Compression;
using System.Xml.Linq;

namespace Kt.Templates.Tests;

/// <summary>The packages as a NuGet user meets them: packed without a warning, each with what nuget.org and IntelliSense show.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class PackageTests(PackedFeed feed)
{
    public static TheoryData<string> Libraries => new(["Kt.Core", "Kt.Oci", "Kt.Docker", "Kt.ImageCompiler", "Kt.Kubernetes", "Kt.DevLoop", "Kt.PodRuntime.Client", "Kt.Client", "Kt.Workflows"]);

    [Fact]
    public void Packing_the_solution_and_the_template_prints_no_warning()
    {
        var warnings = feed.PackOutput.Split('\n').Where(l => l.Contains("warning", StringComparison.OrdinalIgnoreCase) || l.Contains("missing a readme", StringComparison.Ordinal)).ToList();

        Assert.True(warnings.Count == 0, "pack warnings:\n" + string.Join('\n', warnings));
        Assert.True(File.Exists(feed.Package("Kt.MSBuild")), "Kt.MSBuild was packed");
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    [InlineData("Kt.MSBuild")]
    [InlineData("Kt.Templates")]
    public void Every_package_has_a_readme_description_tags_license_and_repository(string id)
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

    [Theory]
    [MemberData(nameof(Libraries))]
    [InlineData("Kt.MSBuild")]
    public void Every_code_package_has_a_symbol_package_with_its_pdbs(string id)
    {
        var symbols = Path.ChangeExtension(feed.Package(id), ".snupkg");
        Assert.True(File.Exists(symbols), $"{Path.GetFileName(symbols)} is packed");
        using var package = ZipFile.OpenRead(symbols);
        Assert.Contains(package.Entries, e => e.FullName.EndsWith($"/{id}.pdb", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Libraries))]
    public void Every_library_ships_its_XML_documentation(string id)
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

    private static XElement Nuspec(ZipArchive package, string id)
    {
        using var stream = package.GetEntry($"{id}.nuspec")!.Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string Value(XElement metadata, string name) =>
        metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
}
