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
        Assert.Contains("compile", edited, StringComparison.Ordinal);
        // The edit the watch deployed is what the pod serves.
        Assert.Equal("\"Hello, world! (edited)\"", run.Single("kt call").Output.Trim());
        var teardown = run.Single("kt teardown");
        Assert.Contains("hello", teardown.Output, StringComparison.Ordinal);

        // The pods are gone: kt (from where the block left it) finds no service on the process backend.
        var status = ProcessRunner.RunAsUser(Path.Combine(_user.Combine("home"), ".dotnet", "tools", "kt"), ["status", "--backend", "process"], teardown.Folder,
            Environment.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => e.Value!));
        Assert.True(status.ExitCode == 0, status.Output + status.Error);
        Assert.Contains("no services", status.Output, StringComparison.Ordinal);
    }

    /// <summary>The line's output says <paramref name="text"/>; else the failure shows all of it.</summary>
    private static void Said(DocShell.Result run, string command, string text)
    {
        var line = run.Single(command);
        Assert.True(line.Output.Contains(text, StringComparison.Ordinal), $"`{line.Command}` did not say \"{text}\":\n{line.Output}");
    }

    public void Dispose() => _user.Dispose();
}
