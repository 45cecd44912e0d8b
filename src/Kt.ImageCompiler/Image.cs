using Kt.ImageCompiler.Dockerfiles;
using Kt.ImageCompiler.Model;

namespace Kt.ImageCompiler;

/// <summary>
/// The C# way to write an image definition; reads like the csproj items:
/// <c>Image.From("debian:bookworm").AptInstall("curl").Env("A", "1").Copy("config/", "/etc/app/").WithApp(dir, "App.dll")</c>.
/// Every call returns a new immutable <see cref="Image"/>.
/// </summary>
public sealed record Image
{
    private Image(ImageDefinition definition) => Definition = definition;

    public ImageDefinition Definition { get; }

    public static Image From(string baseImage)
    {
        ImageReferenceSyntax.Validate(baseImage, origin: null);
        return new Image(new ImageDefinition(new ImageBase(baseImage), []));
    }

    /// <summary>Starts from an existing Dockerfile (FROM/RUN/ENV/COPY/WORKDIR/USER/CMD/ENTRYPOINT).</summary>
    public static Image FromDockerfile(string path) => new(DockerfileParser.ParseFile(path));

    public static Image From(ImageDefinition definition) => new(definition);

    public Image AptInstall(params string[] packages) => Add(new AptInstallStep(StepValidation.Packages(packages, "apt", null)));

    public Image PipInstall(params string[] packages) => Add(new PipInstallStep(StepValidation.Packages(packages, "pip", null)));

    public Image DotnetTool(string name, string? version = null, string toolPath = DotnetToolStep.DefaultToolPath) =>
        Add(new DotnetToolStep(StepValidation.Packages([name], "dotnet-tool", null)[0], version, toolPath));

    public Image Run(string command) => Add(new RunStep(StepValidation.NotBlank(command, "a run step's command", null)));

    public Image Env(string name, string value) => Add(new SetEnvStep(StepValidation.EnvName(name, null), value));

    public Image Copy(string source, string destination) =>
        Add(new CopyStep(StepValidation.NotBlank(source, "a copy source", null), StepValidation.NotBlank(destination, "a copy destination", null)));

    public Image Sync(string source, string destination) =>
        Add(new SyncStep(StepValidation.NotBlank(source, "a sync source", null), StepValidation.NotBlank(destination, "a sync destination", null)));

    public Image WorkDir(string path) => Add(new WorkDirStep(StepValidation.NotBlank(path, "a working directory", null)));

    public Image User(string user) => Add(new UserStep(StepValidation.NotBlank(user, "a user", null)));

    /// <summary>Marks the last step as forced: it runs on every live apply.</summary>
    public Image Force()
    {
        if (Definition.Steps.Count == 0)
        {
            throw new InvalidOperationException("Force() applies to the last step; there is none.");
        }

        var steps = Definition.Steps.ToList();
        steps[^1] = steps[^1] with { Force = true };
        return new Image(Definition with { Steps = steps });
    }

    public Image WithApp(string publishDirectory, string entryAssembly, string workingDirectory = "/app") =>
        new(Definition with { App = new AppSpec(publishDirectory, entryAssembly, workingDirectory) });

    public Image Add(SetupStep step) => new(Definition with { Steps = [.. Definition.Steps, step] });
}
