using System.Formats.Tar;
using System.Text;
using Docker.DotNet.Models;
using Kt.Core;

namespace Kt.Docker.Tests;

public class RunStepTests(EngineFixture fixture) : IClassFixture<EngineFixture>, IDisposable
{
    private const string RunLabel = "dev.kt.test-run";
    private readonly string _runId = Guid.NewGuid().ToString("N");
    private readonly TempFolder _temp = new("kt-docker-step");

    private DockerEngine Engine => new(fixture.Connection) { StepLabels = new Dictionary<string, string> { [RunLabel] = _runId } };

    public void Dispose() => _temp.Dispose();

    [DockerFact]
    public async Task The_layer_holds_exactly_what_the_step_changed_with_modes_and_whiteouts()
    {
        var layer = _temp.Combine("layer.tar");

        var result = await Engine.RunStepAsync(EngineFixture.Step(
            "mkdir -p /opt/kt && echo hi > /opt/kt/a && chmod 755 /opt/kt/a && rm /etc/issue", layer));

        Assert.Equal(0, result.ExitCode);
        var entries = ReadLayer(layer);
        Assert.Equal(Convert.ToInt32("755", 8), (int)entries["opt/kt/a"].Mode);
        Assert.Equal("hi\n", entries["opt/kt/a"].Content);
        Assert.Contains("etc/.wh.issue", entries.Keys);
        // Only the touched paths and their parent folders: nothing from the base image, no /proc, /etc/hosts etc.
        Assert.Empty(entries.Keys.Except(["opt/", "opt/kt/", "opt/kt/a", "etc/", "etc/.wh.issue"]));
        await AssertNothingLeftAsync();
    }

    [DockerFact]
    public async Task Environment_working_directory_and_user_are_honoured()
    {
        var layer = _temp.Combine("layer.tar");
        var lines = new List<string>();

        var result = await Engine.RunStepAsync(EngineFixture.Step("echo $FOO > out; pwd; id -u", layer, lines.Add,
            environment: new Dictionary<string, string> { ["FOO"] = "bar baz" }, workingDirectory: "/tmp", user: "nobody"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["/tmp", "65534"], lines);
        var entries = ReadLayer(layer);
        Assert.Equal("bar baz\n", entries["tmp/out"].Content);
        Assert.Equal(65534, entries["tmp/out"].Uid);
    }

    [DockerFact]
    public async Task A_failing_command_returns_its_exit_code_and_output_tail_and_leaves_nothing_behind()
    {
        var layer = _temp.Combine("layer.tar");
        var lines = new List<string>();

        var result = await Engine.RunStepAsync(EngineFixture.Step(
            "for i in $(seq 1 80); do echo line $i; done; echo oops >&2; exit 7", layer, lines.Add));

        Assert.Equal(7, result.ExitCode);
        // The engine keeps order within stdout but not across stdout and stderr, so compare with what streamed.
        Assert.Equal(81, lines.Count);
        Assert.Contains("oops", lines);
        Assert.Equal(string.Join('\n', lines.TakeLast(50)), result.OutputTail);
        Assert.False(File.Exists(layer));
        await AssertNothingLeftAsync();
    }

    [DockerFact]
    public async Task Output_lines_stream_while_the_step_still_runs()
    {
        var layer = _temp.Combine("layer.tar");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var lines = new List<string>();

        // The step blocks until the test drops /tmp/go into it, so "ready" can only have been seen live.
        var step = Engine.RunStepAsync(EngineFixture.Step(
            "echo ready; while [ ! -e /tmp/go ]; do sleep 0.1; done; echo done", layer,
            line => { lines.Add(line); if (line == "ready") ready.TrySetResult(); }));
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var running = await new DockerContainers(fixture.Connection).ListByLabelAsync(RunLabel, _runId);
        Assert.Equal("running", Assert.Single(running).State);
        await new DockerContainers(fixture.Connection).CopyTarIntoAsync(running[0].Id, "/tmp", TarWithFile("go", "1"));

        var result = await step;

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["ready", "done"], lines);
        Assert.Contains("tmp/go", ReadLayer(layer).Keys);
        await AssertNothingLeftAsync();
    }

    [DockerFact]
    public async Task Cancelling_a_step_kills_and_removes_its_container()
    {
        using var cancel = new CancellationTokenSource();
        var step = Engine.RunStepAsync(EngineFixture.Step("echo started; sleep 300", _temp.Combine("layer.tar"),
            line => cancel.Cancel()), cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => step);

        await AssertNothingLeftAsync();
    }

    [DockerFact]
    public async Task The_images_entrypoint_does_not_hijack_the_step()
    {
        var tag = $"kt-test/entrypoint-{_runId}";
        var client = fixture.Connection.Client;
        var container = await client.Containers.CreateContainerAsync(new CreateContainerParameters { Image = Environments.TestBaseImage, Cmd = ["true"] });
        try
        {
            await client.Images.CommitContainerChangesAsync(new CommitContainerChangesParameters
            {
                ContainerID = container.ID, RepositoryName = tag, Tag = "v1", Changes = ["ENTRYPOINT [\"/bin/false\"]"],
            });
            var result = await Engine.RunStepAsync(EngineFixture.Step("echo via-shell", _temp.Combine("layer.tar"), image: $"{tag}:v1"));

            Assert.Equal(0, result.ExitCode);
            Assert.Equal("via-shell", result.OutputTail);
        }
        finally
        {
            await client.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true });
            await Engine.RemoveImageAsync($"{tag}:v1");
        }
    }

    [DockerFact]
    public async Task A_missing_base_image_is_KT3004_and_nothing_is_pulled()
    {
        var error = await Assert.ThrowsAsync<KtException>(() =>
            Engine.RunStepAsync(EngineFixture.Step("true", _temp.Combine("layer.tar"), image: $"kt-test/absent-{_runId}:v1")));

        Assert.Equal("KT3004", error.Code);
    }

    private async Task AssertNothingLeftAsync()
    {
        var client = fixture.Connection.Client;
        var filter = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{RunLabel}={_runId}"] = true } };
        var containers = await client.Containers.ListContainersAsync(new ContainersListParameters { All = true, Filters = filter });
        var images = await client.Images.ListImagesAsync(new ImagesListParameters { All = true, Filters = filter });
        Assert.Empty(containers);
        Assert.Empty(images);
    }

    internal static MemoryStream TarWithFile(string name, string content)
    {
        var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            writer.WriteEntry(entry);
        }

        tar.Position = 0;
        return tar;
    }

    private static Dictionary<string, LayerEntry> ReadLayer(string path)
    {
        var entries = new Dictionary<string, LayerEntry>();
        using var stream = File.OpenRead(path);
        using var reader = new TarReader(stream);
        while (reader.GetNextEntry() is { } entry)
        {
            string? content = null;
            if (entry.DataStream is not null)
            {
                using var text = new StreamReader(entry.DataStream);
                content = text.ReadToEnd();
            }

            entries[entry.Name.TrimStart('.', '/')] = new LayerEntry(entry.Mode, entry.Uid, content);
        }

        return entries;
    }

    private sealed record LayerEntry(UnixFileMode Mode, int Uid, string? Content);
}
