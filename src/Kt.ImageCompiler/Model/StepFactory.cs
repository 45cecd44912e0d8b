using Kt.Core;

namespace Kt.ImageCompiler.Model;

/// <summary>
/// Creates steps from a kind name and named arguments: the path MSBuild items and <c>kt.definition.json</c> take.
/// Argument names are case-insensitive; unknown kinds and missing arguments are KT errors naming the declaration.
/// </summary>
public static class StepFactory
{
    /// <summary>The arguments each declarable kind reads (case-insensitive); anything else is ignored, so callers warn.</summary>
    public static IReadOnlyDictionary<string, string[]> Arguments { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [StepKinds.Apt] = ["Packages"],
        [StepKinds.Pip] = ["Packages"],
        [StepKinds.DotnetTool] = ["Name", "Version", "ToolPath"],
        [StepKinds.Run] = ["Command"],
        [StepKinds.Env] = ["Name", "Value"],
        [StepKinds.Copy] = ["Source", "Destination"],
        [StepKinds.Sync] = ["Source", "Destination"],
        [StepKinds.WorkDir] = ["Path"],
        [StepKinds.User] = ["Name"],
    };

    public static SetupStep Create(StepDeclaration declaration)
    {
        var args = new Dictionary<string, string>(declaration.Arguments, StringComparer.OrdinalIgnoreCase);
        var origin = declaration.Origin;
        string Arg(string name) => StepValidation.NotBlank(args.GetValueOrDefault(name), $"the '{name}' argument of a {declaration.Kind} step", origin);
        string? Optional(string name) => args.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        IReadOnlyList<string> PackageList(string kind) =>
            StepValidation.Packages(Arg("Packages").Split([' ', ';', ',', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries), kind, origin);

        SetupStep step = declaration.Kind switch
        {
            StepKinds.Apt => new AptInstallStep(PackageList("apt")),
            StepKinds.Pip => new PipInstallStep(PackageList("pip")),
            StepKinds.DotnetTool => new DotnetToolStep(
                StepValidation.Packages([Arg("Name")], "dotnet-tool", origin)[0], Optional("Version"), Optional("ToolPath") ?? DotnetToolStep.DefaultToolPath),
            StepKinds.Run => new RunStep(Arg("Command")),
            StepKinds.Env => new SetEnvStep(StepValidation.EnvName(Arg("Name"), origin), args.GetValueOrDefault("Value") ?? ""),
            StepKinds.Copy => new CopyStep(Arg("Source"), Arg("Destination")),
            StepKinds.Sync => new SyncStep(Arg("Source"), Arg("Destination")),
            StepKinds.WorkDir => new WorkDirStep(Arg("Path")),
            StepKinds.User => new UserStep(Arg("Name")),
            _ => throw new KtException(ImageErrors.UnknownStepKind,
                $"{StepValidation.Where(origin)}unknown step kind '{declaration.Kind}'. Known kinds: {string.Join(", ", StepKinds.Declarable)}."),
        };
        return step with { Force = declaration.Force, Origin = origin };
    }

    /// <summary>The definition a project declared (csproj → kt.definition.json), as a model.</summary>
    public static ImageDefinition FromProject(ProjectDefinition project, string projectDirectory, string? publishDirectory)
    {
        ImageDefinition definition;
        if (project.BaseDockerfile is not null)
        {
            definition = Dockerfiles.DockerfileParser.ParseFile(Path.Combine(projectDirectory, project.BaseDockerfile), project.DockerfileArguments);
        }
        else if (project.BaseImage is not null)
        {
            definition = new ImageDefinition(new ImageBase(ImageReferenceSyntax.Validate(project.BaseImage, "KtBaseImage")), []);
        }
        else
        {
            throw new KtException(ImageErrors.MissingBase, "No base image: set KtBaseImage (or ContainerBaseImage) or KtBaseDockerfile.");
        }

        var steps = definition.Steps.Concat(project.Steps.Select(Create)).ToList();
        var app = project.App is null || publishDirectory is null
            ? null
            : new AppSpec(publishDirectory, project.App.EntryAssembly, project.App.WorkingDirectory);
        // A Dockerfile base's LABEL/EXPOSE first, the project's ContainerLabel/ContainerPort on top (as the SDK's win over its base's).
        var labels = new Dictionary<string, string>(definition.Labels, StringComparer.Ordinal);
        foreach (var (name, value) in project.Labels ?? new Dictionary<string, string>())
        {
            labels[name] = value;
        }

        var ports = definition.ExposedPorts.Concat((project.Ports ?? []).Select(p => ImagePorts.Normalize(p, null, $"ContainerPort '{p}'"))).Distinct().ToList();
        return definition with { Steps = steps, App = app, Labels = labels, ExposedPorts = ports };
    }
}
