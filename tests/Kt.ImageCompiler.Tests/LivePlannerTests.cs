using Kt.Core;
using Kt.ImageCompiler;
using Kt.ImageCompiler.Planning;
using Kt.ImageCompiler.Resolution;
using Kt.PodRuntime.Protocol;
using Kt.TestSupport;

namespace Kt.ImageCompiler.Tests;

public class LivePlannerTests : IDisposable
{
    private readonly TempFolder _project = new();

    public LivePlannerTests() => _project.Write("data/a.txt", "a");

    public void Dispose() => _project.Dispose();

    private ResolvedImage Resolve(Image image) => new DefinitionResolver(_project.Path).Resolve(image.Definition);

    private static Image Base() => Image.From("kt-test/debian:bookworm").AptInstall("curl").Env("MODE", "dev").Run("echo one");

    /// <summary>What a pod's journal holds after it applied every step of a plan.</summary>
    private static List<JournalEntry> Applied(LivePlan plan, IReadOnlyList<JournalEntry>? before = null) =>
        [.. (before ?? []).Take(plan.KeepPrefix), .. plan.Steps.Select(LivePlanner.ToJournalEntry)];

    [Fact]
    public void A_fresh_pod_runs_every_step()
    {
        var plan = LivePlanner.Plan(Resolve(Base()), []);
        Assert.Equal(0, plan.KeepPrefix);
        Assert.Equal(["apt", "env", "run"], plan.Steps.Select(s => s.Kind));
        Assert.Equal(["curl"], plan.Steps[0].Packages);
        Assert.Contains("apt-get install", plan.Steps[0].Shell, StringComparison.Ordinal);
    }

    [Fact]
    public void Nothing_runs_when_nothing_changed()
    {
        var journal = Applied(LivePlanner.Plan(Resolve(Base()), []));
        var plan = LivePlanner.Plan(Resolve(Base()), journal);
        Assert.True(plan.IsEmpty);
        Assert.Equal(3, plan.KeepPrefix);
        Assert.Equal(journal.Select(e => e.Key), plan.ExpectedPrefix);
    }

    [Fact]
    public void Only_appended_steps_run()
    {
        var journal = Applied(LivePlanner.Plan(Resolve(Base()), []));
        var plan = LivePlanner.Plan(Resolve(Base().Run("echo two")), journal);
        Assert.Equal(3, plan.KeepPrefix);
        Assert.Equal("echo two", Assert.Single(plan.Steps).Shell);
    }

    [Fact]
    public void A_change_in_the_middle_reruns_from_there()
    {
        var journal = Applied(LivePlanner.Plan(Resolve(Base()), []));
        var changed = Image.From("kt-test/debian:bookworm").AptInstall("curl").Env("MODE", "prod").Run("echo one");
        var plan = LivePlanner.Plan(Resolve(changed), journal);
        Assert.Equal(1, plan.KeepPrefix);
        Assert.Equal(["env", "run"], plan.Steps.Select(s => s.Kind));
        Assert.Equal("prod", plan.Steps[1].Environment!["MODE"]);
        Assert.False(plan.RecreateRequired);
    }

    [Fact]
    public void Forced_steps_always_run_with_everything_after_them()
    {
        var forced = Image.From("kt-test/debian:bookworm").AptInstall("curl").Env("MODE", "dev").Force().Run("echo one");
        var journal = Applied(LivePlanner.Plan(Resolve(forced), []));
        var plan = LivePlanner.Plan(Resolve(forced), journal);
        Assert.Equal(1, plan.KeepPrefix);
        Assert.Equal(["env", "run"], plan.Steps.Select(s => s.Kind));
    }

    [Fact]
    public void Steps_removed_at_the_end_truncate_the_journal()
    {
        var journal = Applied(LivePlanner.Plan(Resolve(Base().Run("echo two")), []));
        var plan = LivePlanner.Plan(Resolve(Base()), journal);
        Assert.Empty(plan.Steps);
        Assert.Equal(3, plan.KeepPrefix);
        Assert.False(plan.IsEmpty);
    }

    [Fact]
    public void Environment_is_computed_whole_so_a_removed_variable_is_absent()
    {
        var withExtra = Base().Env("EXTRA", "1");
        var journal = Applied(LivePlanner.Plan(Resolve(withExtra), []));
        var plan = LivePlanner.Plan(Resolve(Base()), journal);
        Assert.Equal(3, plan.KeepPrefix);
        Assert.Empty(plan.Steps);
        Assert.False(plan.Environment.ContainsKey("EXTRA"));
        Assert.Equal("dev", plan.Environment["MODE"]);
    }

    [Fact]
    public void Removing_an_apt_package_requires_recreating_the_pod()
    {
        var journal = Applied(LivePlanner.Plan(Resolve(Image.From("kt-test/debian:bookworm").AptInstall("curl", "git").Run("x")), []));
        var plan = LivePlanner.Plan(Resolve(Image.From("kt-test/debian:bookworm").AptInstall("curl").Run("x")), journal);
        Assert.True(plan.RecreateRequired);
        Assert.Contains("'git'", plan.RecreateReason, StringComparison.Ordinal);

        var upgrade = LivePlanner.Plan(Resolve(Image.From("kt-test/debian:bookworm").AptInstall("curl", "git=1:2.39.5-0+deb12u2").Run("x")), journal);
        Assert.False(upgrade.RecreateRequired);
    }

    [Fact]
    public void Copy_steps_become_file_sync_with_their_destination()
    {
        var image = Image.From("kt-test/debian:bookworm").Copy("data/", "/srv/data/");
        var first = LivePlanner.Plan(Resolve(image), []);
        var files = Assert.Single(first.Steps).Files!;
        Assert.Equal("/srv/data", files.Destination);
        Assert.Equal("a.txt", Assert.Single(files.Manifest.Files).Path);

        _project.Write("data/b.txt", "b");
        File.Delete(_project.Combine("data/a.txt"));
        var second = LivePlanner.Plan(Resolve(image), Applied(first));
        Assert.Equal(["b.txt"], Assert.Single(second.Steps).Files!.Manifest.Files.Select(f => f.Path));
    }

    [Fact]
    public void The_plan_round_trips_as_json()
    {
        var plan = LivePlanner.Plan(Resolve(Base()), []);
        var json = System.Text.Json.JsonSerializer.Serialize(plan);
        var back = System.Text.Json.JsonSerializer.Deserialize<LivePlan>(json)!;
        Assert.Equal(plan.Steps.Select(s => s.Key), back.Steps.Select(s => s.Key));
        Assert.Contains("\"keepPrefix\":0", json, StringComparison.Ordinal);
    }
}
