using System.Net;
using System.Text.Json;

namespace Kt.PodRuntime.Tests;

/// <summary>Issue 12, fault 6: a plan is validated whole, and refused with a plain 4xx, before anything changes.</summary>
public sealed class PlanValidationFaultTests
{
    [Fact]
    public async Task Fault6_a_plan_missing_its_lists_or_with_a_bad_file_step_changes_nothing()
    {
        using var temp = new TempRoot();
        var root = Path.Combine(temp.Path, "root");
        await using var runtime = await RuntimeProcess.StartAsync(root);
        var step = new LiveStep { Key = new string('a', 64), Kind = "run", Description = "echo one", Shell = "echo one" };
        await runtime.Client.ApplyPlanAsync(new LivePlan { Steps = [step], Environment = new Dictionary<string, string> { ["KEPT"] = "1" } });
        var journal = File.ReadAllText(Path.Combine(root, "journal.json"));
        var environment = File.ReadAllText(Path.Combine(root, "environment.json"));

        Assert.Equal((HttpStatusCode.BadRequest, "KT4012"), await RawPlan.PostAsync(runtime, "{}"));
        Assert.Equal((HttpStatusCode.BadRequest, "KT4012"), await RawPlan.PostAsync(runtime, """{"steps":[],"keepPrefix":0,"expectedPrefix":[]}"""));

        var files = temp.Sub("files");
        File.WriteAllText(Path.Combine(files, "x.txt"), "x");
        var manifest = await runtime.Client.UploadFolderBlobsAsync(files);
        LivePlan Replace(LiveFiles liveFiles) => new()
        {
            Steps = [new LiveStep { Key = new string('b', 64), Kind = "copy", Description = "copy", Files = liveFiles }],
        };

        var relative = Replace(new LiveFiles("not/absolute", manifest));
        Assert.Equal((HttpStatusCode.BadRequest, "KT4012"), await RawPlan.PostAsync(runtime, JsonSerializer.Serialize(relative)));
        var escaping = Replace(new LiveFiles(temp.Sub("dest"), new ContentManifest([manifest.Files[0] with { Path = "../escape.txt" }])));
        Assert.Equal((HttpStatusCode.BadRequest, "KT4020"), await RawPlan.PostAsync(runtime, JsonSerializer.Serialize(escaping)));
        var unknownBlob = Replace(new LiveFiles(temp.Sub("dest2"), new ContentManifest([manifest.Files[0] with { Sha256 = new string('c', 64) }])));
        Assert.Equal((HttpStatusCode.Conflict, "KT4013"), await RawPlan.PostAsync(runtime, JsonSerializer.Serialize(unknownBlob)));

        Assert.Equal(journal, File.ReadAllText(Path.Combine(root, "journal.json")));
        Assert.Equal(environment, File.ReadAllText(Path.Combine(root, "environment.json")));
        Assert.Equal([step.Key], (await runtime.Client.GetJournalAsync()).Select(e => e.Key));
        Assert.True(await runtime.Client.IsReadyAsync());
    }
}
