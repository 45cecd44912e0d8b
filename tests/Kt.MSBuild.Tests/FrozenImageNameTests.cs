using Kt.Core;
using Kt.Workflows;

namespace Kt.MSBuild.Tests;

public sealed class FrozenImageNameTests
{
    [Fact]
    public void Tags_are_semicolon_separated_and_a_registry_means_push()
    {
        var name = FrozenImageName.Create("127.0.0.1:5000", "team/app", " 1.0 ; latest ;");

        Assert.Equal(["1.0", "latest"], name.Tags);
        Assert.Equal("127.0.0.1:5000", name.PushRepository?.Registry);
        Assert.Equal("team/app", name.PushRepository?.Repository);
        Assert.Equal("team/app:1.0", name.LocalName);
    }

    [Fact]
    public void Without_a_registry_nothing_is_pushed_and_the_tag_defaults_to_latest()
    {
        var name = FrozenImageName.Create(null, "app", null);

        Assert.Null(name.PushRepository);
        Assert.Equal(["latest"], name.Tags);
    }

    [Theory]
    [InlineData("127.0.0.1:5000", "Team/App", "1.0")]
    [InlineData("127.0.0.1:5000", "app", "-bad")]
    [InlineData(null, "app:1.0", "2.0")]
    public void A_bad_name_is_KT6005_naming_the_properties(string? registry, string repository, string tags)
    {
        var error = Assert.Throws<KtException>(() => FrozenImageName.Create(registry, repository, tags));

        Assert.Equal(WorkflowErrors.InvalidImageName, error.Code);
        Assert.Contains("ContainerRepository", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("out/images", "out/images/team/app.tar.gz")]
    [InlineData("out/images.v1/", "out/images.v1/team/app.tar.gz")]
    [InlineData("out/app-image.tar", "out/app-image.tar")]
    public void An_archive_path_that_looks_like_a_folder_gets_the_sdk_file_name(string given, string expected)
    {
        var name = FrozenImageName.Create(null, "team/app", "1.0");

        Assert.Equal(Path.GetFullPath(expected), name.ArchiveFile(given));
    }
}
