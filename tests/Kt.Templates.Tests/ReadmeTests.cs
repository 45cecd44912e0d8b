using Kt.TestSupport;

namespace Kt.Templates.Tests;

/// <summary>
/// README.md's "Using it" block, run as written, line by line in one bash, from the checkout after
/// <c>./build.sh pack</c> (<see cref="PackedFeed.Checkout"/>, under a 0700 folder), by a user with a fresh <c>HOME</c>
/// (so an empty template cache, NuGet package folder, tool folder and <c>~/.kt</c>): install the template and the tool,
/// create a project, deploy, run, watch (an edit while it runs), call, tear down.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class ReadmeTests(PackedFeed feed) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(10);
    private readonly TempFolder _user = new("kt-readme-user");

    private static DocBlocks.Block Block => DocBlocks.Find(Path.Combine(Environments.RepositoryRoot, "README.md"), "Using it", "dotnet new install");

    /// <summary>The same user in the same terminal after the README's block: its <c>export PATH=…</c> finds kt.</summary>
    private Dictionary<string, string?> AfterTheReadme => new(Environment)
    {
        ["PATH"] = $"{System.Environment.GetEnvironmentVariable("PATH")}:{_user.Combine("home", ".dotnet", "tools")}",
    };

    /// <summary>The user's environment: a fresh home, nothing of the test host's homes and caches.</summary>
    private Dictionary<string, string?> Environment => new()
    {
        ["HOME"] = _user.Combine("home"),
        ["TMPDIR"] = _user.Combine("tmp"),
        ["DOTNET_CLI_HOME"] = null,
        ["NUGET_PACKAGES"] = null,
        ["KT_HOME"] = null,
        ["DOCKER_CONFIG"] = null,
        ["KUBECONFIG"] = null,
    };

    [Fact]
    public async Task The_README_block_runs_as_written_from_the_checkout_deploys_watches_an_edit_calls_and_tears_down()
    {
        Directory.CreateDirectory(_user.Combine("home"));
        Directory.CreateDirectory(_user.Combine("tmp"));
        var install = DocShell.Commands(Block)[0];
        Assert.StartsWith("dotnet new install", install.Command, StringComparison.Ordinal);
        // "safe to repeat": the install line once on its own first, then the whole block installs again.
        var first = await DocShell.RunAsync(Block with { Text = install.Command }, feed.Checkout, Environment, null, Limit);
        first.EnsureSuccess(Block, 1);
        Assert.Contains($"Kt.Templates@{feed.Version}", first.Output, StringComparison.Ordinal);

        string? edited = null;
        var run = await DocShell.RunAsync(Block, feed.Checkout, Environment, async watch =>
        {
            await watch.LineAsync(l => l.Contains("watching ", StringComparison.Ordinal), Limit);
            var mark = watch.Mark;
            var functions = Path.Combine(watch.Folder, "Functions.cs");
            File.WriteAllText(functions, File.ReadAllText(functions).Replace("{prefix}, {name}!", "{prefix}, {name}! (edited)", StringComparison.Ordinal));
            edited = await watch.LineAsync(l => l.Contains("Functions.cs", StringComparison.Ordinal), Limit, mark);
        }, Limit);

        run.EnsureSuccess(Block, DocShell.Commands(Block).Count);
        Said(run, "dotnet new install", $"Kt.Templates@{feed.Version}");
        Said(run, "dotnet tool update", $"'kt.cli' (version '{feed.Version}')");
        Said(run, "dotnet new kt-project", "created successfully");
        Said(run, "dotnet publish", "curl");
        Assert.Contains("Hello, world!", run.Single("dotnet run").Output, StringComparison.Ordinal);
        var watched = run.Single("kt watch");
        Assert.Equal(130, watched.Exit);
        Assert.NotNull(edited);
        Assert.Contains("→ delta", edited, StringComparison.Ordinal); // a body edit reaches the pods as an IL delta (kt watch is Debug)
        // The edit the watch deployed is what the pod serves.
        Assert.Equal("\"Hello, world! (edited)\"", run.Single("kt call").Output.Trim());
        var teardown = run.Single("kt teardown");
        Assert.Contains("hello", teardown.Output, StringComparison.Ordinal);

        // The pods are gone: kt (from where the block left it) finds no service on the process backend.
        var status = ProcessRunner.RunAsUser(Path.Combine(_user.Combine("home"), ".dotnet", "tools", "kt"), ["status", "--backend", "process"], teardown.Folder,
            Environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!));
        Assert.True(status.ExitCode == 0, status.Output + status.Error);
        Assert.Contains("no services", status.Output, StringComparison.Ordinal);

        await RunTheCliBlockAsync(teardown.Folder);
        await RunTheProjectReadmeAsync(teardown.Folder);
    }

    /// <summary>
    /// The README the template gave the project, its blocks as written in the project's folder: the loop, then the edit
    /// it describes ("change the greeting") and the loop again, whose <c>dotnet run</c> prints the new greeting.
    /// </summary>
    private async Task RunTheProjectReadmeAsync(string project)
    {
        var readme = Path.Combine(project, "README.md");
        var blocks = DocBlocks.Read(readme).Where(b => b.Heading == "The loop").ToList();
        Assert.Equal(2, blocks.Count);
        var (loop, again) = (blocks[0], blocks[1]);

        var first = await DocShell.RunAsync(loop, project, AfterTheReadme, null, Limit);
        first.EnsureSuccess(loop, DocShell.Commands(loop).Count);
        Said(first, "dotnet run", "Hello, world!");
        var functions = Path.Combine(project, "Functions.cs");
        File.WriteAllText(functions, File.ReadAllText(functions).Replace("{prefix}, {name}!", "{prefix}, {name}, again!", StringComparison.Ordinal));
        var second = await DocShell.RunAsync(again, project, AfterTheReadme, null, Limit);
        second.EnsureSuccess(again, DocShell.Commands(again).Count);
        Said(second, "dotnet run", "Hello, world, again!");
        ProcessRunner.Dotnet(project, ["build", "-t:KtTeardown"], Environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!))
            .EnsureSuccess("dotnet build -t:KtTeardown (the project README's last word)");
    }

    /// <summary>
    /// docs/cli.md's verbs, as written, in the project the README made: deploy, call, status, list, describe, logs
    /// (one pod, then followed), forward (the curl line it prints, with no token), freeze, teardown. The freeze reads its base from the
    /// registry: the user's project names one this machine has, with the SDK's property the template uses.
    /// </summary>
    private async Task RunTheCliBlockAsync(string project)
    {
        var cli = Path.Combine(Environments.RepositoryRoot, "docs", "cli.md");
        static string Command(string line) => line.Split('#')[0].Trim();
        Assert.Equal(Command(DocShell.Commands(Block)[1].Command), Command(DocBlocks.Read(cli)[0].Text)); // its install line is the README's, run above
        var block = DocBlocks.Find(cli, "`kt`, the command-line tool", "kt deploy");
        var csproj = Path.Combine(project, "Hello.csproj");
        var text = File.ReadAllText(csproj);
        var based = System.Text.RegularExpressions.Regex.Replace(text, "<ContainerBaseImage>[^<]*</ContainerBaseImage>",
            $"<ContainerBaseImage>{Environments.RegistryDotnetReadyBaseImage}</ContainerBaseImage>");
        Assert.NotEqual(text, based);
        File.WriteAllText(csproj, based);
        string? health = null;

        var run = await DocShell.RunAsync(block, project, AfterTheReadme, async running =>
        {
            if (running.Command.StartsWith("kt logs", StringComparison.Ordinal))
            {
                await running.LineAsync(l => l.Contains("[hello-0] greeting world", StringComparison.Ordinal), Limit);
                return;
            }

            // The line kt prints, as a user pastes it: no token of its own, the forward adds it.
            var curl = await running.LineAsync(l => l.StartsWith("kt: curl ", StringComparison.Ordinal), Limit);
            using var http = new HttpClient();
            using var answer = await http.GetAsync(curl.Split(' ')[2]);
            health = $"{(int)answer.StatusCode}";
        }, Limit);

        run.EnsureSuccess(block, DocShell.Commands(block).Count);
        Said(run, "kt deploy", "hello");
        Assert.Equal("\"Hello, world! (edited)\"", run.Single("kt call").Output.Trim()); // the README's watch edit, published again
        Assert.Matches(@"hello\s+2/2", run.Single("kt status").Output);
        Assert.Matches(@"hello\s+2/2", run.Single("kt list").Output);
        Said(run, "kt describe", "hello-1");
        Said(run, "kt logs hello --pod", "[hello-0] greeting world");
        Assert.Equal(130, run.Single("kt logs hello -f").Exit);
        Assert.Equal(130, run.Single("kt forward").Exit);
        Assert.Equal("200", health);
        Said(run, "kt freeze", "sha256:");
        Said(run, "kt teardown", "hello");
    }

    /// <summary>The line's output says <paramref name="text"/>; else the failure shows all of it.</summary>
    private static void Said(DocShell.Result run, string command, string text)
    {
        var line = run.Single(command);
        Assert.True(line.Output.Contains(text, StringComparison.Ordinal), $"`{line.Command}` did not say \"{text}\":\n{line.Output}");
    }

    public void Dispose() => _user.Dispose();
}
