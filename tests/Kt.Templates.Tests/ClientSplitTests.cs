using System.Text.Json;

namespace Kt.Templates.Tests;

/// <summary>
/// The client split as a user meets it: a new project from the packed template and packages deploys from its own
/// program (no earlier <c>-p:KtDeploy</c>) on the process backend and calls its function, while its publish output —
/// what pods and frozen images get — carries none of the deploy side.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed class ClientSplitTests(PackedFeed feed) : IDisposable
{
    /// <summary>The deploy side's assemblies: in kt-deploy/ next to the program, never in its deps.json or publish folder.</summary>
    private static readonly string[] DeploySide = ["Docker.DotNet", "KubernetesClient", "YamlDotNet", "Kt.Workflows", "Kt.DevLoop", "Kt.Docker", "Kt.Kubernetes", "Kt.Client.Deploy"];

    private readonly FreshUser _user = new();

    [Fact]
    public void A_new_project_deploys_from_its_program_and_its_publish_output_carries_no_deploy_side()
    {
        _user.Dotnet(_user.WorkFolder, "new", "install", "Kt.Templates", "--add-source", feed.Folder, "--force").EnsureSuccess("dotnet new install");
        _user.Dotnet(_user.WorkFolder, "new", "kt-project", "-n", "Split").EnsureSuccess("dotnet new kt-project");
        var project = Path.Combine(_user.WorkFolder, "Split");

        _user.Dotnet(project, "publish").EnsureSuccess("dotnet publish");

        var publish = Path.Combine(project, "bin", "Release", "net10.0", "publish");
        var published = Directory.GetFiles(publish, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(publish, f)).ToList();
        Assert.Contains("Split.dll", published);
        Assert.Contains("Kt.Client.dll", published);
        foreach (var name in DeploySide)
        {
            Assert.DoesNotContain(published, f => Path.GetFileName(f).StartsWith(name + ".", StringComparison.Ordinal));
        }

        Assert.DoesNotContain(published, f => f.StartsWith("kt-deploy", StringComparison.Ordinal) || f.StartsWith("kt-runtime", StringComparison.Ordinal));
        using (var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(publish, "Split.deps.json"))))
        {
            var libraries = deps.RootElement.GetProperty("libraries").EnumerateObject().Select(l => l.Name.Split('/')[0]).ToList();
            Assert.Contains("Kt.Client", libraries);
            foreach (var name in DeploySide)
            {
                Assert.DoesNotContain(name, libraries);
            }
        }

        // The program deploys itself (nothing was deployed before: no -p:KtDeploy), from the deploy side it loads on demand.
        var run = _user.Dotnet(project, "run", "--", "--teardown");

        Assert.True(run.ExitCode == 0, $"dotnet run failed:\n{run.Output}\n{run.Error}");
        Assert.Contains("Hello, world!", run.Output, StringComparison.Ordinal);
        Assert.Contains("15", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(project, "bin", "Debug", "net10.0", "kt-deploy", "Kt.Client.Deploy.dll")), "the build output has the deploy side");
    }

    public void Dispose() => _user.Dispose();
}
