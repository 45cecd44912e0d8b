using System.Text.Json;
using System.Text.RegularExpressions;
using Kt.TestSupport;

namespace Kt.Templates.Tests;

/// <summary>
/// The template's CI workflow, run as a runner runs it: a new project from the template, each <c>run:</c> step executed
/// by <c>bash -e</c> in order with the runner's variables and the workflow's evaluated <c>env:</c>, against the local
/// registry (the registry is the <c>KT_REGISTRY</c> repository variable the workflow reads). The <c>uses:</c> actions
/// (checkout, setup-dotnet, cache, upload-artifact) are GitHub's and are not run; the test checks what they consume.
/// </summary>
[Collection(PackedFeedCollection.Name)]
public sealed partial class WorkflowTests(PackedFeed feed) : IDisposable
{
    private static readonly string[] KnownActions = ["actions/checkout@v4", "actions/setup-dotnet@v4", "actions/cache@v4", "actions/upload-artifact@v4"];

    private readonly FreshUser _user = new();

    [RegistryFact]
    public void The_workflow_steps_restore_test_freeze_and_push_both_tags_with_registry_credentials_and_write_pinned_manifests()
    {
        var id = Guid.NewGuid().ToString("N")[..10];
        _user.Dotnet(_user.WorkFolder, "new", "install", "Kt.Templates", "--add-source", feed.Folder, "--force").EnsureSuccess("dotnet new install");
        // The developer's nuget.config names a local folder the runner does not have; the workflow's variable replaces it.
        _user.Dotnet(_user.WorkFolder, "new", "kt-project", "-n", "WorkflowApp", "--ktSource", "/home/developer/kt/artifacts/packages")
            .EnsureSuccess("dotnet new kt-project");
        var workspace = Path.Combine(_user.WorkFolder, "WorkflowApp");
        UseBaseImage(Path.Combine(workspace, "WorkflowApp.csproj"), Environments.RegistryDotnetReadyBaseImage);
        var sha = Guid.NewGuid().ToString("N") + id[..8];
        var repository = $"kt-test/workflow-app-{id}";
        var context = new Dictionary<string, string>
        {
            ["github.workspace"] = workspace,
            ["github.actor"] = "kt-bot",
            ["github.sha"] = sha,
            ["github.repository"] = $"Kt-Test/Workflow-App-{id}",
            ["runner.os"] = "Linux",
            // A password with quotes, a space and a dollar: the login step must pass it through untouched.
            ["secrets.GITHUB_TOKEN"] = "t0ken 'with' \"quotes\" $HOME",
            ["vars.KT_REGISTRY"] = Environments.RegistryHost,
            ["vars.KT_PACKAGE_SOURCE"] = feed.Folder,
        };

        var summary = RunWorkflow(Path.Combine(workspace, ".github", "workflows", "kt-freeze.yml"), context, workspace);

        var tags = ProcessRunner.Run("skopeo", ["list-tags", "--tls-verify=false", $"docker://{Environments.RegistryHost}/{repository}"]).EnsureSuccess("skopeo list-tags");
        Assert.Contains($"\"{sha}\"", tags.Output, StringComparison.Ordinal);
        Assert.Contains("\"latest\"", tags.Output, StringComparison.Ordinal);
        var inspected = ProcessRunner.Run("skopeo", ["inspect", "--tls-verify=false", $"docker://{Environments.RegistryHost}/{repository}:{sha}"]).EnsureSuccess("skopeo inspect");
        using var image = JsonDocument.Parse(inspected.Output);
        var pinned = $"{Environments.RegistryHost}/{repository}@{image.RootElement.GetProperty("Digest").GetString()}";
        var manifests = Directory.GetFiles(Path.Combine(workspace, "kt-manifests"), "*.yaml");
        Assert.NotEmpty(manifests);
        var images = manifests.SelectMany(f => ImageLine().Matches(File.ReadAllText(f))).Select(m => m.Groups["image"].Value).Distinct().ToList();
        Assert.Equal([pinned], images);
        Assert.Contains($"- {pinned}", summary, StringComparison.Ordinal);
        Assert.Contains(feed.Folder, File.ReadAllText(Path.Combine(workspace, "nuget.config")), StringComparison.Ordinal);
        var login = File.ReadAllText(Path.Combine(_user.Combine("docker-config"), "config.json"));
        Assert.Contains(Environments.RegistryHost, login, StringComparison.Ordinal);
    }

    /// <summary>Runs the job's steps in order; returns the step summary they wrote.</summary>
    private string RunWorkflow(string file, Dictionary<string, string> context, string workspace)
    {
        Assert.True(File.Exists(file), "the template puts its workflow in .github/workflows");
        var workflow = GitHubWorkflow.Load(file, "freeze");
        var runner = _user.Combine("runner");
        Directory.CreateDirectory(runner);
        var githubEnv = Path.Combine(runner, "github-env");
        var summaryFile = Path.Combine(runner, "step-summary.md");
        File.WriteAllText(githubEnv, "");
        File.WriteAllText(summaryFile, "");
        var env = new Dictionary<string, string>
        {
            ["CI"] = "true",
            ["GITHUB_ACTIONS"] = "true",
            ["GITHUB_WORKSPACE"] = workspace,
            ["GITHUB_SHA"] = context["github.sha"],
            ["GITHUB_REPOSITORY"] = context["github.repository"],
            ["GITHUB_ACTOR"] = context["github.actor"],
            ["GITHUB_ENV"] = githubEnv,
            ["GITHUB_STEP_SUMMARY"] = summaryFile,
            ["RUNNER_OS"] = context["runner.os"],
            ["RUNNER_TEMP"] = runner,
        };
        foreach (var (key, value) in workflow.Environment(context))
        {
            env[key] = value;
            context[$"env.{key}"] = value;
        }

        var ran = 0;
        foreach (var step in workflow.Steps(context))
        {
            if (step.Uses is not null)
            {
                Assert.Contains(step.Uses, KnownActions);
                if (step.Uses.StartsWith("actions/upload-artifact", StringComparison.Ordinal))
                {
                    Assert.True(Directory.EnumerateFiles(Path.Combine(workspace, step.With["path"])).Any(), $"the artifact folder {step.With["path"]} has files");
                }

                continue;
            }

            Assert.DoesNotContain("${{", step.Run!, StringComparison.Ordinal);
            var script = Path.Combine(runner, $"step-{ran++}.sh");
            File.WriteAllText(script, step.Run);
            var stepEnv = new Dictionary<string, string>(env);
            foreach (var (key, value) in step.Env)
            {
                stepEnv[key] = value;
            }

            var result = _user.Run("bash", ["-e", script], workspace, stepEnv);
            Assert.True(result.ExitCode == 0, $"step '{step.Name}' failed ({result.ExitCode}):\n{result.Output}\n{result.Error}");
            foreach (var line in File.ReadAllLines(githubEnv).Where(l => l.Length > 0))
            {
                var separator = line.IndexOf('=', StringComparison.Ordinal);
                Assert.True(separator > 0, $"GITHUB_ENV line '{line}' is KEY=VALUE");
                env[line[..separator]] = line[(separator + 1)..];
            }
        }

        Assert.True(ran >= 5, "the workflow's run steps were found");
        return File.ReadAllText(summaryFile);
    }

    private static void UseBaseImage(string csproj, string image)
    {
        var text = File.ReadAllText(csproj);
        var replaced = BaseImage().Replace(text, $"<ContainerBaseImage>{image}</ContainerBaseImage>", 1);
        Assert.NotEqual(text, replaced);
        File.WriteAllText(csproj, replaced);
    }

    [GeneratedRegex(@"<ContainerBaseImage>[^<]*</ContainerBaseImage>")]
    private static partial Regex BaseImage();

    [GeneratedRegex(@"^\s*image:\s*(?<image>\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ImageLine();

    public void Dispose() => _user.Dispose();
}
