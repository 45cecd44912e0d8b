using Kt.ImageCompiler;
using Kt.ImageCompiler.Model;

namespace Kt.Client;

/// <summary>
/// Where remote code runs, in Kubetorch's words: a backend (<c>process</c>, the embedded default, <c>docker</c> or
/// <c>kubernetes</c>),
/// cpus, memory, gpus, replicas, and the <see cref="Image"/> whose setup steps the pods get.
/// <c>Compute.FromProject()</c> loads the very definition the csproj declares (written by the build as kt.definition.json).
/// </summary>
public sealed record Compute
{
    /// <summary>process (default), docker or kubernetes.</summary>
    public string Backend { get; init; } = "process";

    /// <summary>Kubernetes: the namespace (KtNamespace).</summary>
    public string Namespace { get; init; } = "default";

    /// <summary>
    /// Kubernetes: the registry the cluster pulls the runtime image from (ContainerRegistry, e.g. <c>127.0.0.1:5000</c>);
    /// the deploy builds and pushes that image when it is missing or stale, as <c>-p:KtDeploy=true</c> does.
    /// </summary>
    public string? ContainerRegistry { get; init; }

    /// <summary>Kubernetes: the runtime image's repository in <see cref="ContainerRegistry"/> (ContainerRepository; default the service name).</summary>
    public string? ContainerRepository { get; init; }

    /// <summary>Kubernetes: GPU type, tolerations, secrets, volumes, autoscale, distribute… as the csproj declares them.</summary>
    public ClusterDeclaration? Cluster { get; init; }

    /// <summary>The service name; by default the project's (KtService), else the entry assembly's name.</summary>
    public string? Service { get; init; }

    /// <summary>CPU request per pod as a Kubernetes quantity (<c>2</c>, <c>500m</c>); KtCpus.</summary>
    public string? Cpus { get; init; }

    /// <summary>Memory request per pod as a Kubernetes quantity (<c>4Gi</c>); KtMemory.</summary>
    public string? Memory { get; init; }

    /// <summary>GPUs per pod (requests and limits of <c>nvidia.com/gpu</c>); KtGpus.</summary>
    public int Gpus { get; init; }

    /// <summary>How many pods (replicas) serve the calls; KtReplicas.</summary>
    public int Replicas { get; init; } = 1;

    /// <summary>Lets the process backend run steps that change this machine (apt, pip, copies to absolute paths).</summary>
    public bool AllowHostSetup { get; init; }

    /// <summary>
    /// Where the pods send their spans, metrics and call output over OTLP (KtOtlpEndpoint); null: this program's own
    /// OTEL_EXPORTER_OTLP_ENDPOINT, if set.
    /// </summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>Base image and setup steps; null means no steps (the process backend needs none).</summary>
    public Image? Image { get; init; }

    /// <summary>
    /// Sync this program's build even over a service that serves a publish of another build configuration. By default
    /// a program (say <c>dotnet run</c>, Debug) only calls a service deployed by <c>dotnet publish -p:KtDeploy=true</c>
    /// or <c>kt</c> of another configuration (Release) and syncs nothing, so the pods keep serving what was published;
    /// with no deploy recorded, or one of this configuration, or one made by a program, it syncs its own build.
    /// </summary>
    public bool Redeploy { get; init; }

    /// <summary>Where copy/sync sources are resolved; the current directory when null.</summary>
    public string? ProjectDirectory { get; init; }

    /// <summary>
    /// The compute and image the project declares (KtCompute, KtCpus, KtGpus, KtReplicas, KtBaseImage, KtSetup…), read
    /// from <c>kt.definition.json</c> next to this program (or <paramref name="definitionFile"/>).
    /// </summary>
    public static Compute FromProject(string? definitionFile = null, string? projectDirectory = null)
    {
        var file = definitionFile ?? Path.Combine(AppContext.BaseDirectory, ProjectDefinition.FileName);
        var project = ProjectDefinitionFile.Read(file, ClientErrors.DefinitionMissing);
        var directory = projectDirectory ?? Environment.CurrentDirectory;
        return new Compute
        {
            Backend = project.Compute.Backend,
            Namespace = project.Compute.Namespace,
            Cluster = project.Compute.Cluster,
            Service = project.Service,
            Cpus = project.Compute.Cpus,
            Memory = project.Compute.Memory,
            Gpus = project.Compute.Gpus,
            Replicas = project.Compute.Replicas,
            AllowHostSetup = project.Compute.AllowHostSetup,
            OtlpEndpoint = project.Compute.OtlpEndpoint,
            ContainerRegistry = project.Compute.Registry,
            ContainerRepository = project.Compute.Repository,
            // The image steps only: the app travels by code sync.
            Image = Image.From(StepFactory.FromProject(project, directory, publishDirectory: null)),
            ProjectDirectory = directory,
        };
    }

    /// <summary>
    /// This compute as the definition the workflows deploy (the image's steps travel beside it, as <see cref="ImageDefinition"/>):
    /// the deploy side takes the same input from a program as from the csproj.
    /// </summary>
    internal ProjectDefinition ToProjectDefinition() => new()
    {
        Service = Service ?? DefaultServiceName(),
        BaseImage = Image?.Definition.Base.Reference,
        Compute = new ComputeDeclaration
        {
            Backend = Backend,
            Namespace = Namespace,
            Cluster = Cluster,
            Cpus = Cpus,
            Memory = Memory,
            Gpus = Gpus,
            Replicas = Replicas,
            AllowHostSetup = AllowHostSetup,
            OtlpEndpoint = OtlpEndpoint,
        },
    };

    /// <summary>No image: no steps; the base only matters to the docker backend, which then says it needs one.</summary>
    internal ImageDefinition ImageDefinition() => Image?.Definition ?? new ImageDefinition(new ImageBase("scratch"), []);

    private static string DefaultServiceName() => ServiceNames.FromAssemblyName(System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "kt-app");
}
