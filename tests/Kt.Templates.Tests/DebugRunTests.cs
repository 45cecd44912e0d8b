namespace Kt.Templates.Tests;

/// <summary>
/// The README's order — publish with KtDeploy, then <c>dotnet run</c> — must leave the pods serving the Release publish:
/// the Debug program calls it and syncs nothing; a later program of the same configuration, or with
/// <c>Compute.Redeploy</c>, syncs its build. An edit after the publish is never silently left out: the Debug program
/// that carries it syncs itself.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class DebugRunTests(PackedFeed feed) : IDisposable
{
    private readonly FreshUser _user = new();

    [Fact]
    public void Dotnet_run_after_a_Release_deploy_calls_it_and_does_not_sync_its_Debug_build_over_it()
    {
        _user.Dotnet(_user.WorkFolder, "new", "install", "Kt.Templates", "--add-source", feed.Folder, "--force").EnsureSuccess("dotnet new install");
        _user.Dotnet(_user.WorkFolder, "new", "kt-project", "-n", "DebugRun").EnsureSuccess("dotnet new kt-project");
        var project = Path.Combine(_user.WorkFolder, "DebugRun");
        try
        {
            var deployed = _user.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true").EnsureSuccess("dotnet publish -p:KtDeploy=true");
            Assert.Contains("kt: ", deployed.Output, StringComparison.Ordinal);

            var run = _user.Dotnet(project, "run");

            Assert.True(run.ExitCode == 0, $"dotnet run failed:\n{run.Output}\n{run.Error}");
            Assert.Contains("Hello, world!", run.Output, StringComparison.Ordinal);
            Assert.Contains("serves the Release publish", run.Error, StringComparison.Ordinal);
            Assert.Contains("this Debug build calls it and syncs nothing", run.Error, StringComparison.Ordinal);

            // The pods still serve exactly the Release publish output: publishing it again has nothing to send.
            var again = _user.Dotnet(project, "publish", "-c", "Release", "-p:KtDeploy=true").EnsureSuccess("second dotnet publish -p:KtDeploy=true");
            Assert.Contains("sync 0/", again.Output, StringComparison.Ordinal);

            // An edit after the publish: the Debug program carries it, so it syncs its build and the pods answer with it.
            var functions = Path.Combine(project, "Functions.cs");
            File.WriteAllText(functions, File.ReadAllText(functions).Replace("{prefix}, {name}!", "{prefix}, {name}! (debug edit)", StringComparison.Ordinal));
            var edited = _user.Dotnet(project, "run");

            Assert.True(edited.ExitCode == 0, $"dotnet run after an edit failed:\n{edited.Output}\n{edited.Error}");
            Assert.Contains("Hello, world! (debug edit)", edited.Output, StringComparison.Ordinal);
            Assert.Contains("Functions.cs changed after the Release publish", edited.Error, StringComparison.Ordinal);
        }
        finally
        {
            _user.Dotnet(project, "build", "-t:KtTeardown");
        }
    }

    public void Dispose() => _user.Dispose();
}
