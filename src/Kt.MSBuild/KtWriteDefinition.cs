using System.Globalization;
using System.Text.Json;
using Kt.Core;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>Translates the csproj's Kt properties and items into <see cref="ProjectDefinition"/> and writes it (only when it changed).</summary>
public sealed class KtWriteDefinition : KtTaskBase
{
    [Required] public string ProjectDirectory { get; set; } = "";

    [Required] public string Service { get; set; } = "";

    public string? BaseImage { get; set; }

    public string? BaseDockerfile { get; set; }

    public ITaskItem[] Setup { get; set; } = [];

    public ITaskItem[] ContainerEnvironmentVariables { get; set; } = [];

    public string? ContainerWorkingDirectory { get; set; }

    public string? ContainerUser { get; set; }

    /// <summary>The SDK's <c>ContainerLabel</c> items, with the <c>org.opencontainers.image.*</c> labels the targets generate as the SDK does.</summary>
    public ITaskItem[] ContainerLabels { get; set; } = [];

    /// <summary>
    /// The SDK's <c>ContainerGenerateLabelsImageCreated</c> (with <c>ContainerGenerateLabels</c>): add
    /// <c>org.opencontainers.image.created</c> and <c>org.opencontainers.artifact.created</c>.
    /// </summary>
    public bool GenerateCreatedLabels { get; set; }

    public ITaskItem[] ContainerPorts { get; set; } = [];

    /// <summary><c>KtDockerfileArg</c> items: values for the base Dockerfile's ARGs.</summary>
    public ITaskItem[] DockerfileArguments { get; set; } = [];

    /// <summary>The SDK's <c>ContainerFamily</c>: Kt starts from <c>KtBaseImage</c> as given, so a family is warned about, not applied.</summary>
    public string? ContainerFamily { get; set; }

    public string? EntryAssembly { get; set; }

    public string? Backend { get; set; }

    public string? Cpus { get; set; }

    public string? Memory { get; set; }

    public string? Gpus { get; set; }

    public string? Replicas { get; set; }

    public string? Namespace { get; set; }

    public string? AllowHostSetup { get; set; }

    /// <summary>KtOtlpEndpoint: where the pods send their telemetry (OTEL_EXPORTER_OTLP_ENDPOINT on the pods).</summary>
    public string? OtlpEndpoint { get; set; }

    // The cluster side of Compute (docs/msbuild.md): properties by csproj name (Include=KtGpuType Value=…), then items whose Include names the thing.
    public ITaskItem[] ClusterProperties { get; set; } = [];

    public ITaskItem[] NodeSelectors { get; set; } = [];

    public ITaskItem[] Labels { get; set; } = [];

    public ITaskItem[] Annotations { get; set; } = [];

    public ITaskItem[] Tolerations { get; set; } = [];

    public ITaskItem[] Secrets { get; set; } = [];

    public ITaskItem[] Volumes { get; set; } = [];

    public ITaskItem[] Autoscale { get; set; } = [];

    public ITaskItem[] Distribute { get; set; } = [];

    /// <summary>The SDK's ContainerRegistry, recorded so that a program's own deploy pushes where the publish does.</summary>
    public string? ContainerRegistry { get; set; }

    public string? ContainerRepository { get; set; }

    [Required] public string OutputFile { get; set; } = "";

    protected override IReadOnlyList<ITaskItem> SetupItems => Setup;

    protected override void ExecuteCore()
    {
        var definition = DefinitionFromItems.Create(new DefinitionInputs(
            Service, BaseImage, BaseDockerfile, Setup, ContainerEnvironmentVariables, ContainerWorkingDirectory,
            ContainerUser, EntryAssembly, Backend, Cpus, Memory, Gpus, Replicas, Namespace, AllowHostSetup, new ClusterInputs
            {
                Properties = ClusterProperties.GroupBy(p => p.ItemSpec.Trim(), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().GetMetadata("Value"), StringComparer.Ordinal),
                NodeSelectors = NodeSelectors, Labels = Labels, Annotations = Annotations, Tolerations = Tolerations,
                Secrets = Secrets, Volumes = Volumes, Autoscale = Autoscale, Distribute = Distribute,
            }, new ImageInputs(CreatedLabels().Concat(ContainerLabels).ToList(), ContainerPorts, DockerfileArguments), OtlpEndpoint), warning => Log.LogWarning(subcategory: "Kt", warningCode: MSBuildErrors.IgnoredSetupMetadata, helpKeyword: null, file: ErrorFile,
                lineNumber: 0, columnNumber: 0, endLineNumber: 0, endColumnNumber: 0, message: warning));
        definition = definition with
        {
            Compute = definition.Compute with
            {
                Registry = string.IsNullOrWhiteSpace(ContainerRegistry) ? null : ContainerRegistry.Trim(),
                Repository = string.IsNullOrWhiteSpace(ContainerRepository) ? null : ContainerRepository.Trim(),
            },
        };
        if (!string.IsNullOrWhiteSpace(ContainerFamily))
        {
            Log.LogWarning(subcategory: "Kt", warningCode: MSBuildErrors.ContainerPropertyIgnored, helpKeyword: null, file: null, lineNumber: 0, columnNumber: 0,
                endLineNumber: 0, endColumnNumber: 0,
                message: $"ContainerFamily '{ContainerFamily}' is not applied: Kt's images and dev pods start from KtBaseImage as given; name the family's image there (e.g. mcr.microsoft.com/dotnet/runtime:10.0-{ContainerFamily}).");
        }

        var json = JsonSerializer.Serialize(definition, ProjectDefinitionFile.Options);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(OutputFile))!);
        // Unchanged definitions keep their timestamp, so incremental builds stay incremental.
        if (File.Exists(OutputFile) && File.ReadAllText(OutputFile) == json)
        {
            return;
        }

        AtomicFile.WriteAllText(OutputFile, json);
        Log.LogMessage(MessageImportance.Low, string.Create(CultureInfo.InvariantCulture, $"kt: wrote {OutputFile} ({definition.Steps.Count} steps)"));
    }

    // The SDK stamps these with the build's clock, so every image differs. Kt gives them the image's own creation time,
    // the one its config and history carry: SOURCE_DATE_EPOCH when set (as the SDK's reproducible images and BuildKit
    // read it), else the fixed default, so re-freezes keep one digest. ContainerLabel items come later and win.
    private IEnumerable<ITaskItem> CreatedLabels()
    {
        if (!GenerateCreatedLabels)
        {
            return [];
        }

        var created = Kt.Oci.ReproducibleTime.Format(Kt.Oci.ReproducibleTime.Resolve());
        return ((string[])["org.opencontainers.image.created", "org.opencontainers.artifact.created"]).Select(name =>
            (ITaskItem)new Microsoft.Build.Utilities.TaskItem(name, new Dictionary<string, string> { ["Value"] = created }));
    }
}
