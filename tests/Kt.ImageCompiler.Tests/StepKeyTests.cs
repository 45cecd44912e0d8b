using Kt.ImageCompiler;
using Kt.ImageCompiler.Resolution;
using Kt.TestSupport;

namespace Kt.ImageCompiler.Tests;

public class StepKeyTests
{
    private static Image Definition() => Image.From("kt-test/debian:bookworm")
        .AptInstall("curl")
        .Env("APP_HOME", "/opt/app")
        .Env("PATH", "$APP_HOME/bin:$PATH")
        .Copy("config/", "/etc/app/")
        .Copy("scripts/*.sh", "bin/")
        .Run("echo ready");

    private static void WriteProject(TempFolder folder)
    {
        folder.Write("config/app.json", "{\"a\":1}");
        folder.Write("config/nested/more.json", "{}");
        folder.Write("scripts/start.sh", "#!/bin/sh\necho start\n", executable: true);
        folder.Write("scripts/readme.txt", "not matched");
    }

    [Fact]
    public void Keys_are_equal_across_folders_and_timestamps()
    {
        using var first = new TempFolder();
        using var second = new TempFolder("elsewhere");
        WriteProject(first);
        WriteProject(second);
        foreach (var file in Directory.EnumerateFiles(second.Path, "*", SearchOption.AllDirectories))
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2001, 2, 3, 4, 5, 6, DateTimeKind.Utc));
        }

        var a = new DefinitionResolver(first.Path).Resolve(Definition().Definition);
        var b = new DefinitionResolver(second.Path).Resolve(Definition().Definition);

        Assert.Equal(a.Steps.Select(s => s.Key), b.Steps.Select(s => s.Key));
        Assert.DoesNotContain(a.Steps.SelectMany(s => s.Files), f => f.ImagePath.Contains(first.Path, StringComparison.Ordinal));
    }

    [Fact]
    public void Changing_a_file_changes_its_step_key_and_every_later_key_only()
    {
        using var folder = new TempFolder();
        WriteProject(folder);
        var before = new DefinitionResolver(folder.Path).Resolve(Definition().Definition);
        folder.Write("config/app.json", "{\"a\":2}");
        var after = new DefinitionResolver(folder.Path).Resolve(Definition().Definition);

        Assert.Equal(before.Steps.Take(3).Select(s => s.Key), after.Steps.Take(3).Select(s => s.Key));
        Assert.All(Enumerable.Range(3, before.Steps.Count - 3), i => Assert.NotEqual(before.Steps[i].Key, after.Steps[i].Key));
    }

    [Fact]
    public void Mode_change_changes_the_key()
    {
        using var folder = new TempFolder();
        WriteProject(folder);
        var before = new DefinitionResolver(folder.Path).Resolve(Definition().Definition);
        File.SetUnixFileMode(folder.Combine("scripts/start.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var after = new DefinitionResolver(folder.Path).Resolve(Definition().Definition);

        Assert.NotEqual(before.Steps[4].Key, after.Steps[4].Key);
        Assert.Equal(before.Steps[3].Key, after.Steps[3].Key);
    }

    [Fact]
    public void Arguments_and_order_change_keys_but_force_does_not()
    {
        using var folder = new TempFolder();
        var resolver = new DefinitionResolver(folder.Path);
        var baseline = resolver.Resolve(Image.From("debian:12").AptInstall("curl").Run("a").Definition);
        var otherArgs = resolver.Resolve(Image.From("debian:12").AptInstall("git").Run("a").Definition);
        var swapped = resolver.Resolve(Image.From("debian:12").Run("a").AptInstall("curl").Definition);
        var forced = resolver.Resolve(Image.From("debian:12").AptInstall("curl").Force().Run("a").Definition);
        var otherBase = resolver.Resolve(Image.From("debian:13").AptInstall("curl").Run("a").Definition);

        Assert.NotEqual(baseline.FinalKey, otherArgs.FinalKey);
        Assert.NotEqual(baseline.FinalKey, swapped.FinalKey);
        Assert.NotEqual(baseline.FinalKey, otherBase.FinalKey);
        Assert.Equal(baseline.Steps.Select(s => s.Key), forced.Steps.Select(s => s.Key));
        Assert.True(forced.Steps[0].Force);
    }

    [Fact]
    public void Copy_rules_follow_docker()
    {
        using var folder = new TempFolder();
        WriteProject(folder);
        var image = new DefinitionResolver(folder.Path).Resolve(Image.From("debian:12")
            .WorkDir("/srv")
            .Copy("config/app.json", "settings.json")
            .Copy("config", "conf/")
            .Copy("scripts/*.sh", "/usr/local/bin/")
            .Definition);

        Assert.Equal("/srv/settings.json", Assert.Single(image.Steps[1].Files).ImagePath);
        Assert.Equal(["/srv/conf/app.json", "/srv/conf/nested/more.json"], image.Steps[2].Files.Select(f => f.ImagePath));
        var script = Assert.Single(image.Steps[3].Files);
        Assert.Equal("/usr/local/bin/start.sh", script.ImagePath);
        Assert.Equal(ResolvedFile.ExecutableMode, script.Mode);
        Assert.Equal(ResolvedFile.RegularMode, image.Steps[1].Files[0].Mode);
    }

    [Fact]
    public void Environment_expands_against_what_was_built_so_far()
    {
        using var folder = new TempFolder();
        var image = new DefinitionResolver(folder.Path).Resolve(
            Image.From("debian:12").Env("A", "one").Env("B", "${A}-two:$PATH").Env("C", "\\$A $MISSING.").Definition,
            baseEnvironment: new Dictionary<string, string> { ["PATH"] = "/usr/bin" });

        Assert.Equal("one-two:/usr/bin", image.Environment["B"]);
        Assert.Equal("$A .", image.Environment["C"]);
        Assert.Equal(["A", "B", "C"], image.DefinedVariables);
    }
}
