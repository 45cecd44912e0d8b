namespace Kt.MSBuild.Tests;

/// <summary>
/// The base image has the SDK's name, <c>ContainerBaseImage</c>; <c>KtBaseImage</c> is an alias. What every .NET
/// container user types, <c>-p:ContainerBaseImage=…</c>, is the base Kt uses, whichever name the csproj sets.
/// </summary>
public sealed partial class PublishEndToEndTests
{
    [Fact]
    public void ContainerBaseImage_on_the_command_line_is_the_base_over_a_csproj_of_either_name()
    {
        var aliased = fixture.CreateConsoleProject("AliasBase", "<KtBaseImage>example.test/old:1</KtBaseImage>", "");
        var named = fixture.CreateConsoleProject("SdkBase", "<ContainerBaseImage>example.test/sdk:1</ContainerBaseImage>", "");

        // Restored first: Kt.MSBuild's targets (which read both names) come in through the restore's generated imports.
        fixture.Dotnet(aliased, "restore").EnsureSuccess("dotnet restore");
        fixture.Dotnet(named, "restore").EnsureSuccess("dotnet restore");
        string Base(string project, params string[] properties) =>
            fixture.Dotnet(project, ["msbuild", "-getProperty:KtBaseImage", .. properties]).EnsureSuccess("dotnet msbuild -getProperty").Output.Trim();

        Assert.Equal("example.test/old:1", Base(aliased));
        Assert.Equal("example.test/sdk:1", Base(named));
        Assert.Equal("example.test/cli:2", Base(aliased, "-p:ContainerBaseImage=example.test/cli:2"));
        Assert.Equal("example.test/cli:2", Base(named, "-p:ContainerBaseImage=example.test/cli:2"));
        Assert.Equal("example.test/alias:3", Base(named, "-p:KtBaseImage=example.test/alias:3"));
    }
}
