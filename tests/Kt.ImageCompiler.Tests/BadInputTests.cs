using Kt.Core;
using Kt.ImageCompiler;
using Kt.ImageCompiler.Dockerfiles;
using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Resolution;
using Kt.TestSupport;

namespace Kt.ImageCompiler.Tests;

public class BadInputTests
{
    [Theory]
    [InlineData("UPPER/case:tag")]
    [InlineData("repo:tag with space")]
    [InlineData("repo@sha256:1234")]
    [InlineData(":tag")]
    [InlineData("")]
    public void Malformed_image_references_are_refused(string reference)
    {
        var error = Assert.Throws<KtException>(() => Image.From(reference));
        Assert.Equal(ImageErrors.InvalidImageReference, error.Code);
    }

    [Theory]
    [InlineData("localhost:5000/team/app:1.0")]
    [InlineData("mcr.microsoft.com/dotnet/runtime:10.0")]
    [InlineData("debian")]
    [InlineData("kt-test/debian:bookworm@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Valid_image_references_are_accepted(string reference) =>
        Assert.Equal(reference, Image.From(reference).Definition.Base.Reference);

    [Fact]
    public void Unknown_step_kind_names_the_declaration()
    {
        var error = Assert.Throws<KtException>(() =>
            StepFactory.Create(new StepDeclaration("yum", new Dictionary<string, string>(), Origin: "KtSetup item 2 ('yum')")));
        Assert.Equal(ImageErrors.UnknownStepKind, error.Code);
        Assert.Contains("KtSetup item 2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    [InlineData("A B")]
    public void Invalid_env_names_are_refused(string name)
    {
        Assert.Equal(ImageErrors.InvalidEnvName, Assert.Throws<KtException>(() => Image.From("debian").Env(name, "x")).Code);
    }

    [Theory]
    [InlineData("curl; rm -rf /")]
    [InlineData("$(reboot)")]
    [InlineData("a'b")]
    public void Package_names_that_would_inject_shell_are_refused(string package) =>
        Assert.Equal(ImageErrors.InvalidPackageName, Assert.Throws<KtException>(() => Image.From("debian").AptInstall(package)).Code);

    [Fact]
    public void Empty_package_list_is_refused() =>
        Assert.Equal(ImageErrors.EmptyPackageList, Assert.Throws<KtException>(() => Image.From("debian").PipInstall()).Code);

    [Fact]
    public void Missing_copy_source_is_refused()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<KtException>(() =>
            new DefinitionResolver(folder.Path).Resolve(Image.From("debian").Copy("nope.txt", "/x").Definition));
        Assert.Equal(ImageErrors.CopySourceMissing, error.Code);
    }

    [Fact]
    public void Copy_sources_outside_the_project_are_refused_including_through_symlinks()
    {
        using var outside = new TempFolder("outside");
        using var project = new TempFolder();
        outside.Write("secret.txt", "secret");
        File.CreateSymbolicLink(project.Combine("link.txt"), outside.Combine("secret.txt"));
        var resolver = new DefinitionResolver(project.Path);

        Assert.Equal(ImageErrors.CopySourceOutsideProject,
            Assert.Throws<KtException>(() => resolver.Resolve(Image.From("debian").Copy("../" + Path.GetFileName(outside.Path) + "/secret.txt", "/x").Definition)).Code);
        Assert.Equal(ImageErrors.CopySourceOutsideProject,
            Assert.Throws<KtException>(() => resolver.Resolve(Image.From("debian").Copy(outside.Combine("secret.txt"), "/x").Definition)).Code);
        Assert.Equal(ImageErrors.CopySourceOutsideProject,
            Assert.Throws<KtException>(() => resolver.Resolve(Image.From("debian").Copy("link.txt", "/x").Definition)).Code);
    }

    [Fact]
    public void Copying_a_folder_does_not_follow_a_symlinked_folder_out_of_the_project()
    {
        using var outside = new TempFolder("outside");
        using var project = new TempFolder();
        outside.Write("secret.txt", "secret");
        project.Write("config/app.json", "{}");
        Directory.CreateSymbolicLink(project.Combine("config/linked"), outside.Path);

        var error = Assert.Throws<KtException>(() =>
            new DefinitionResolver(project.Path).Resolve(Image.From("debian").Copy("config", "/etc/app/").Definition));
        Assert.Equal(ImageErrors.CopySourceOutsideProject, error.Code);
        Assert.Equal(ImageErrors.CopySourceOutsideProject, Assert.Throws<KtException>(() =>
            new DefinitionResolver(project.Path).Resolve(Image.From("debian").Copy("config/**/*.txt", "/etc/app/").Definition)).Code);
    }

    [Fact]
    public void A_failed_dockerfile_write_keeps_the_previous_output()
    {
        using var project = new TempFolder();
        using var output = new TempFolder("out");
        project.Write("a.txt", "a");
        var target = output.Combine("context");
        var good = new DefinitionResolver(project.Path).Resolve(Image.From("debian").Copy("a.txt", "/a.txt").Definition);
        DockerfileCompiler.Write(good, target);
        var before = File.ReadAllText(Path.Combine(target, "Dockerfile"));

        var broken = good with { Steps = [good.Steps[0] with { Files = [good.Steps[0].Files[0] with { SourcePath = project.Combine("vanished.txt") }] }] };
        Assert.ThrowsAny<IOException>(() => DockerfileCompiler.Write(broken, target));

        Assert.Equal(before, File.ReadAllText(Path.Combine(target, "Dockerfile")));
        Assert.Equal(["context"], Directory.GetFileSystemEntries(output.Path).Select(Path.GetFileName));
    }
}
