using System.Threading.Channels;
using Kt.Core;
using Kt.MSBuild.Tests;
using Kt.PodRuntime.Client;
using Kt.TestSupport;
using Kt.Workflows;

namespace Kt.Watch.Tests;

/// <summary>
/// Every way an editor or a tool saves is an edit: each save below is performed the way that editor or tool performs it
/// (the real <c>sed -i</c> and <c>git checkout</c>; the renames of a safe-write save in their order) under a real
/// <c>kt watch</c> session on real process pods, and each takes the fast path with exactly the saved files in its batch:
/// no temp file is taken for a project input (which used to mean a full publish).
/// </summary>
[Collection(WatchCollection.Name)]
public sealed class SaveStyleTests : IClassFixture<PackedTaskFixture>
{
    private static readonly TimeSpan TurnTimeout = TimeSpan.FromMinutes(3);
    private readonly PackedTaskFixture _fixture;

    public SaveStyleTests(PackedTaskFixture fixture) => _fixture = fixture;

    [Fact]
    public async Task Safe_write_vim_sed_and_git_checkout_saves_each_take_the_fast_path()
    {
        var service = $"saves-{Guid.NewGuid():N}"[..20];
        var project = _fixture.CreateConsoleProject("SaveApp", $"<KtService>{service}</KtService>", "");
        var functions = Path.Combine(project, "Functions.cs");
        var other = Path.Combine(project, "Other.cs");
        // A repository whose previous commit has other contents for two files, for `git checkout HEAD~1 -- …`.
        await File.WriteAllTextAsync(functions, Source("git-a"));
        await File.WriteAllTextAsync(other, OtherSource("-a"));
        Git(project, "init", "-q");
        Git(project, "add", "-A");
        Git(project, "commit", "-qm", "a");
        await File.WriteAllTextAsync(functions, Source("one"));
        await File.WriteAllTextAsync(other, OtherSource(""));
        Git(project, "commit", "-qam", "b");

        var turns = Channel.CreateUnbounded<WatchIteration>();
        var lines = new List<string>();
        var output = new WorkflowOutput(line => { lock (lines) { lines.Add(line); } }, _ => { });
        using var stop = new CancellationTokenSource();
        using var session = new WatchSession(new WatchOptions { ProjectFile = Path.Combine(project, "SaveApp.csproj"), Environment = Environment }, output,
            t => turns.Writer.TryWrite(t));
        var run = Task.Run(() => session.RunAsync(stop.Token));
        try
        {
            var first = await NextAsync(turns);
            Assert.True(first.Deployed, string.Join('\n', lines));
            Assert.Equal("one", await CallAsync(first));
            await session.WarmedUp; // the delta baseline

            // Write a temp file next to the original and rename it over it (VS Code's atomic save, most editors' safe write).
            var temp = functions + ".vsctmp";
            await File.WriteAllTextAsync(temp, Source("renamed"));
            File.Move(temp, functions, overwrite: true);
            await AssertFastAsync(turns, lines, "renamed", "Functions.cs");

            // JetBrains safe write: new text into *___jb_tmp___, the original moved to *___jb_old___, the temp renamed in, the old deleted.
            await File.WriteAllTextAsync(functions + "___jb_tmp___", Source("jetbrains"));
            File.Move(functions, functions + "___jb_old___");
            File.Move(functions + "___jb_tmp___", functions);
            File.Delete(functions + "___jb_old___");
            await AssertFastAsync(turns, lines, "jetbrains", "Functions.cs");

            // vim's :w (backupcopy=auto, writebackup) while its swap file exists: the 4913 probe, the original renamed to the
            // backup name, the new file written, the backup deleted.
            var swap = Path.Combine(project, ".Functions.cs.swp");
            await File.WriteAllTextAsync(swap, "swap");
            var probe = Path.Combine(project, "4913");
            await File.WriteAllTextAsync(probe, "");
            File.Delete(probe);
            File.Move(functions, functions + "~");
            await File.WriteAllTextAsync(functions, Source("vim"));
            File.Delete(functions + "~");
            await AssertFastAsync(turns, lines, "vim", "Functions.cs");
            File.Delete(swap);

            // sed -i writes ./sedXXXXXX and renames it over the file.
            ProcessRunner.Run("sed", ["-i", "s/\"vim\"/\"sed\"/", functions], project).EnsureSuccess("sed -i");
            await AssertFastAsync(turns, lines, "sed", "Functions.cs");

            // git checkout of two files from the previous commit.
            Git(project, "checkout", "HEAD~1", "--", "Functions.cs", "Other.cs");
            await AssertFastAsync(turns, lines, "git-a-a", "Functions.cs", "Other.cs");

            lock (lines)
            {
                Assert.DoesNotContain(lines, l => l.Contains("needs MSBuild", StringComparison.Ordinal) || l.Contains("added or removed", StringComparison.Ordinal));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            var definition = ProjectDefinitionFile.Read(Path.Combine(project, "obj", "Debug", "net10.0", "kt.definition.json"), WorkflowErrors.DefinitionUnreadable);
            await TeardownWorkflow.TeardownAsync(definition, WorkflowOutput.Silent, CancellationToken.None);
        }
    }

    private static async Task AssertFastAsync(Channel<WatchIteration> turns, List<string> lines, string answer, params string[] files)
    {
        var turn = await NextAsync(turns);
        string Context()
        {
            lock (lines)
            {
                return string.Join('\n', lines);
            }
        }

        Assert.True(turn.Deployed, string.Join('\n', turn.Errors) + "\n" + Context());
        Assert.Equal("delta", turn.Path); // the fast path of a Debug watch: each save's body edits applied in place
        Assert.Equal(files, turn.Files);
        Assert.Equal(answer, await CallAsync(turn));
    }

    private static void Git(string folder, params string[] arguments) =>
        ProcessRunner.Run("git", ["-c", "user.name=kt", "-c", "user.email=kt@example.invalid", "-c", "init.defaultBranch=main", .. arguments], folder)
            .EnsureSuccess("git " + string.Join(' ', arguments));

    private IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["NUGET_PACKAGES"] = _fixture.Combine("nuget-packages"),
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["UseSharedCompilation"] = "false",
    };

    private static string Source(string result) => $$"""
        namespace SaveApp;

        public static class Functions
        {
            public static string Greet() => "{{result}}" + Other.Part();
        }
        """;

    private static string OtherSource(string part) => $$"""
        namespace SaveApp;

        public static class Other
        {
            public static string Part() => "{{part}}";
        }
        """;

    private static async Task<WatchIteration> NextAsync(Channel<WatchIteration> turns)
    {
        using var timeout = new CancellationTokenSource(TurnTimeout);
        return await turns.Reader.ReadAsync(timeout.Token);
    }

    private static async Task<string?> CallAsync(WatchIteration turn)
    {
        using var client = new PodClient(turn.Endpoint!, turn.Token!);
        return await client.CallAsync<string>("SaveApp.Functions", "Greet");
    }
}
