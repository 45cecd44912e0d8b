using Kt.ImageCompiler;
using Kt.ImageCompiler.Resolution;

namespace Kt.ImageCompiler.Tests;

public class AppLayerTests(PublishedAppFixture app) : IClassFixture<PublishedAppFixture>
{
    private ResolvedImage Resolve() =>
        new DefinitionResolver(app.Folder.Path).Resolve(Image.From("kt-test/debian:bookworm").WithApp(app.PublishDirectory, "App.dll").Definition);

    [Fact]
    public void Publish_output_splits_into_packages_projects_and_app()
    {
        var image = Resolve();
        var parts = image.Steps.Where(s => s.Kind == "app").ToList();

        Assert.Equal(3, parts.Count);
        Assert.Contains("/app/Newtonsoft.Json.dll", parts[0].Files.Select(f => f.ImagePath));
        Assert.Equal(["/app/Lib.dll"], parts[1].Files.Where(f => f.ImagePath.EndsWith(".dll", StringComparison.Ordinal)).Select(f => f.ImagePath));
        Assert.Contains("/app/App.dll", parts[2].Files.Select(f => f.ImagePath));
        Assert.Contains("/app/App.deps.json", parts[2].Files.Select(f => f.ImagePath));
        Assert.Equal(["dotnet", "App.dll"], image.Entrypoint);
        Assert.Equal("/app", image.WorkingDirectory);
    }

    [Fact]
    public void A_code_only_change_changes_only_the_app_part_key()
    {
        var before = Resolve();
        var appDll = Path.Combine(app.PublishDirectory, "App.dll");
        var original = File.ReadAllBytes(appDll);
        try
        {
            File.WriteAllBytes(appDll, [.. original, 0]);
            var after = Resolve();
            Assert.Equal(before.Steps[0].Key, after.Steps[0].Key);
            Assert.Equal(before.Steps[1].Key, after.Steps[1].Key);
            Assert.NotEqual(before.Steps[2].Key, after.Steps[2].Key);
        }
        finally
        {
            File.WriteAllBytes(appDll, original);
        }
    }
}
