using Kt.Workflows;

namespace Kt.Watch;

/// <summary>
/// A project from the outside, as the <c>kt</c> tool sees it: published by <c>dotnet publish</c> (MSBuild writes the
/// definition and stages the output), then deployed in this process through the workflows.
/// </summary>
public static class ProjectPipeline
{
    /// <summary><c>kt deploy</c>: publish, then one deploy; returns where the service serves.</summary>
    public static async Task<DeployOutcome> DeployOnceAsync(WatchOptions options, WorkflowOutput output, CancellationToken cancellationToken)
    {
        await PublishAsync(options, output, cancellationToken).ConfigureAwait(false);
        var inputs = await ProjectInputs.ReadAsync(options.ProjectFile, options.Configuration, cancellationToken, options.Environment, options.Properties).ConfigureAwait(false);
        return await DeployWorkflow.DeployAsync(DeployRequest(inputs), output, cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>kt freeze</c>: the MSBuild freeze (<c>dotnet publish -p:KtFreeze=true</c>), its Kt lines passed on.</summary>
    public static async Task FreezeAsync(WatchOptions options, WorkflowOutput output, CancellationToken cancellationToken)
    {
        var (exitCode, text) = await DotnetCli.RunAsync(Path.GetDirectoryName(options.ProjectFile)!,
            ["publish", options.ProjectFile, "-c", options.Configuration, "-nologo", "-p:KtFreeze=true", .. MSBuildProperties(options)],
            line => (line.TrimStart().StartsWith("kt: ", StringComparison.Ordinal) ? output.Progress : output.Detail)(line.Trim().Replace("kt: ", "", StringComparison.Ordinal)),
            cancellationToken, options.Environment).ConfigureAwait(false);
        if (exitCode != 0)
        {
            foreach (var line in text.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal))
            {
                output.Progress(line.TrimEnd());
            }

            throw new KtException(WatchErrors.PublishFailed, $"dotnet publish -p:KtFreeze=true {options.ProjectFile} failed (exit code {exitCode})");
        }
    }

    /// <summary>The project's definition (<c>kt.definition.json</c>), written by MSBuild without a full build.</summary>
    public static async Task<ProjectDefinition> DefinitionAsync(WatchOptions options, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await DotnetCli.RunAsync(Path.GetDirectoryName(options.ProjectFile)!,
            ["msbuild", options.ProjectFile, "-nologo", "-restore", "-t:KtWriteDefinition", $"-p:Configuration={options.Configuration}",
                // Two properties, never one: for a single -getProperty MSBuild prints the bare value, not the JSON read below.
                "-getProperty:KtDefinitionFile,MSBuildProjectFullPath", .. MSBuildProperties(options)], null, cancellationToken, options.Environment).ConfigureAwait(false);
        if (exitCode != 0)
        {
            throw new KtException(WatchErrors.NotAKtProject,
                $"{options.ProjectFile} has no KtWriteDefinition target (reference the Kt.MSBuild package) or does not build: {output.Trim()}");
        }

        using var json = System.Text.Json.JsonDocument.Parse(output[Math.Max(0, output.IndexOf('{', StringComparison.Ordinal))..]);
        var relative = json.RootElement.GetProperty("Properties").GetProperty("KtDefinitionFile").GetString() ?? "";
        var file = Path.GetFullPath(relative, Path.GetDirectoryName(options.ProjectFile)!);
        return ProjectDefinitionFile.Read(file, WorkflowErrors.DefinitionUnreadable);
    }

    internal static async Task PublishAsync(WatchOptions options, WorkflowOutput output, CancellationToken cancellationToken)
    {
        output.Progress($"dotnet publish {Path.GetFileName(options.ProjectFile)} -c {options.Configuration}");
        // KtDeploy=false: the tool deploys in-process, through its own session (warm backend, warm port-forwards).
        var (exitCode, text) = await DotnetCli.RunAsync(Path.GetDirectoryName(options.ProjectFile)!,
            ["publish", options.ProjectFile, "-c", options.Configuration, "-nologo", "-p:KtDeploy=false", .. MSBuildProperties(options)], output.Detail, cancellationToken,
            options.Environment).ConfigureAwait(false);
        if (exitCode != 0)
        {
            foreach (var line in text.Split('\n').Where(l => l.Contains(": error ", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal))
            {
                output.Progress(line.TrimEnd());
            }

            throw new KtException(WatchErrors.PublishFailed, $"dotnet publish {options.ProjectFile} failed (exit code {exitCode})");
        }
    }

    private static IEnumerable<string> MSBuildProperties(WatchOptions options) => options.Properties.Select(p => "-p:" + p);

    internal static DeployWorkflowRequest DeployRequest(ProjectInputs inputs)
    {
        var definitionFile = Path.Combine(inputs.IntermediateDirectory, "kt.definition.json");
        if (!File.Exists(definitionFile))
        {
            throw new KtException(WatchErrors.NotAKtProject,
                $"{inputs.ProjectFile} has no {definitionFile} after publish: reference the Kt.MSBuild package (dotnet add package Kt.MSBuild).");
        }

        var project = ProjectDefinitionFile.Read(definitionFile, WorkflowErrors.DefinitionUnreadable);
        var repository = inputs.Property("ContainerRepository") is { Length: > 0 } r ? r : project.Service;
        var layout = inputs.Property("KtRuntimeImageLayoutPath") is { Length: > 0 } l ? l : Path.Combine(inputs.IntermediateDirectory, "kt-runtime-image");
        var cache = inputs.Property("KtCacheDirectory");
        return new DeployWorkflowRequest
        {
            Project = project,
            PublishDirectory = inputs.PublishDirectory,
            RuntimeImage = new ImageOutputSettings
            {
                ProjectDirectory = inputs.ProjectDirectory,
                Registry = inputs.Property("ContainerRegistry") is { Length: > 0 } registry ? registry : null,
                Repository = repository,
                LayoutOutputPath = Path.GetFullPath(layout, inputs.ProjectDirectory),
                CacheDirectory = cache.Length == 0 ? null : Path.GetFullPath(cache, inputs.ProjectDirectory),
            },
        };
    }

    /// <summary>The project file of a path: the file itself, or the one project file in a folder (default the current one).</summary>
    public static string FindProject(string? path)
    {
        var full = Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? "." : path);
        if (File.Exists(full))
        {
            return full;
        }

        var projects = Directory.Exists(full) ? Directory.GetFiles(full, "*.csproj") : [];
        return projects.Length == 1
            ? projects[0]
            : throw new KtException(WatchErrors.ProjectNotFound,
                projects.Length == 0 ? $"no project file in {full}; pass the project: kt watch path/to/App.csproj" : $"{projects.Length} project files in {full}; pass one of them");
    }
}
