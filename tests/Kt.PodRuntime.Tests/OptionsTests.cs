using System.Collections;
using Kt.PodRuntime.Hosting;
using Kt.PodRuntime.Sync;

namespace Kt.PodRuntime.Tests;

public sealed class OptionsTests
{
    [Fact]
    public void Command_line_options_win_over_environment_and_a_token_is_required()
    {
        using var temp = new TempRoot();
        var tokenFile = Path.Combine(temp.Path, "token");
        File.WriteAllText(tokenFile, "secret\n");
        var environment = new Hashtable { ["KT_PORT"] = "9000", ["KT_ROOT"] = temp.Path, ["KT_TOKEN_FILE"] = tokenFile, ["KT_SERVICE"] = "svc", ["RANK"] = "3" };
        var options = RuntimeOptions.Parse(["--port", "9100", "--pod-name=p1"], environment);
        Assert.Equal((9100, "secret", "svc", "p1", 3), (options.Port, options.Token, options.Service, options.PodName, options.Rank));
        Assert.Equal("0.0.0.0", options.BindAddress);

        Assert.Equal("KT4000", Assert.Throws<KtException>(() => RuntimeOptions.Parse(["--root", temp.Path], new Hashtable())).Code);
        Assert.Equal("KT4000", Assert.Throws<KtException>(() => RuntimeOptions.Parse(["--nope", "1"], environment)).Code);
        Assert.Equal("KT4000", Assert.Throws<KtException>(() => RuntimeOptions.Parse(["--port", "x"], environment)).Code);
    }

    [Theory]
    [InlineData("a.txt")]
    [InlineData("dir/sub/file.dll")]
    [InlineData("ünïcode/名前.txt")]
    [InlineData("..hidden")]
    public void Ordinary_relative_paths_are_accepted(string path) => PathRules.ValidatePath(path);

    [Fact]
    public void IsInside_does_not_confuse_sibling_prefixes()
    {
        Assert.True(PathRules.IsInside("/r/root", "/r/root/a"));
        Assert.False(PathRules.IsInside("/r/root", "/r/root2/a"));
        Assert.False(PathRules.IsInside("/r/root", "/r/root/../x"));
    }
}
