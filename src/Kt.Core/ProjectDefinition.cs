using System.Text.Json.Serialization;

namespace Kt.Core;

/// <summary>
/// A project's Kt definition as the build declares it (csproj properties and items), written by Kt.MSBuild into the
/// build output as <c>kt.definition.json</c> so that the C# client loads the very same definition: the csproj stays
/// the single source of truth. Step arguments stay strings here (the image compiler validates them); compute is typed.
/// </summary>
public sealed record ProjectDefinition
{
    public const string FileName = "kt.definition.json";

    /// <summary>
    /// The shape this Kt writes and reads. 2: the cluster side is typed (tolerations, secrets, volumes, autoscale and
    /// distribute as records, durations as time spans) where version 1 (no field) kept csproj metadata as strings.
    /// </summary>
    public const int CurrentSchemaVersion = 2;

    /// <summary>Which shape of the file this is. Version 1 files have no field and read as this version where their shapes agree (everything but a cluster side).</summary>
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    [JsonPropertyName("service")] public required string Service { get; init; }

    /// <summary>Base image reference, or null when <see cref="BaseDockerfile"/> is used.</summary>
    [JsonPropertyName("baseImage")] public string? BaseImage { get; init; }

    /// <summary>A Dockerfile to start from, relative to the project folder.</summary>
    [JsonPropertyName("baseDockerfile")] public string? BaseDockerfile { get; init; }

    /// <summary>Values for the base Dockerfile's ARGs (<c>KtDockerfileArg</c> items), as <c>--build-arg</c> gives them.</summary>
    [JsonPropertyName("dockerfileArguments")] public IReadOnlyDictionary<string, string>? DockerfileArguments { get; init; }

    [JsonPropertyName("steps")] public IReadOnlyList<StepDeclaration> Steps { get; init; } = [];

    /// <summary>Image labels: the SDK's <c>ContainerLabel</c> items and the <c>org.opencontainers.image.*</c> labels it generates.</summary>
    [JsonPropertyName("labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Exposed ports as declared by <c>ContainerPort</c> items (<c>8080</c>, <c>8080/udp</c>); validated by the image compiler.</summary>
    [JsonPropertyName("ports")] public IReadOnlyList<string>? Ports { get; init; }

    [JsonPropertyName("app")] public AppDeclaration? App { get; init; }

    [JsonPropertyName("compute")] public ComputeDeclaration Compute { get; init; } = new();
}

/// <summary>One setup step as declared: its kind (apt, pip, dotnet-tool, run, env, copy, sync, workdir, user) and named arguments.</summary>
/// <param name="Origin">Where it was declared, for diagnostics (e.g. <c>KtSetup item 3</c>).</param>
public sealed record StepDeclaration(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("arguments")] IReadOnlyDictionary<string, string> Arguments,
    [property: JsonPropertyName("force")] bool Force = false,
    [property: JsonPropertyName("origin")] string? Origin = null);

/// <summary>The app: the entry assembly (file name in the publish output) and where it runs.</summary>
public sealed record AppDeclaration(
    [property: JsonPropertyName("entryAssembly")] string EntryAssembly,
    [property: JsonPropertyName("workingDirectory")] string WorkingDirectory = "/app");

/// <summary>Compute as declared in the csproj (Kubetorch's words: cpus, gpus, memory, replicas).</summary>
public sealed record ComputeDeclaration
{
    /// <summary>process (default), docker or kubernetes.</summary>
    [JsonPropertyName("backend")] public string Backend { get; init; } = "process";

    [JsonPropertyName("cpus")] public string? Cpus { get; init; }

    [JsonPropertyName("memory")] public string? Memory { get; init; }

    [JsonPropertyName("gpus")] public int Gpus { get; init; }

    [JsonPropertyName("replicas")] public int Replicas { get; init; } = 1;

    [JsonPropertyName("namespace")] public string Namespace { get; init; } = "default";

    /// <summary>Opt-in for the process backend to run host-changing steps (apt) on this machine.</summary>
    [JsonPropertyName("allowHostSetup")] public bool AllowHostSetup { get; init; }

    /// <summary>KtOtlpEndpoint: the OTLP endpoint the pods export to (OTEL_EXPORTER_OTLP_ENDPOINT on the pods); null: the deploying process's own.</summary>
    [JsonPropertyName("otlpEndpoint")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? OtlpEndpoint { get; init; }

    /// <summary>What only a cluster uses (scheduling, storage, identity, scaling), typed; null when nothing is declared.</summary>
    [JsonPropertyName("cluster")] public ClusterDeclaration? Cluster { get; init; }

    /// <summary>
    /// The csproj's ContainerRegistry: where a program's own deploy (<c>dotnet run</c>, KtCompute=kubernetes) pushes the
    /// runtime image, as the publish does.
    /// </summary>
    [JsonPropertyName("registry")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Registry { get; init; }

    /// <summary>The csproj's ContainerRepository (default: the service name).</summary>
    [JsonPropertyName("repository")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Repository { get; init; }
}

/// <summary>Reads and writes <c>kt.definition.json</c>; every reader reports a missing or broken file the same way.</summary>
public static class ProjectDefinitionFile
{
    public static System.Text.Json.JsonSerializerOptions Options { get; } = new() { WriteIndented = true, TypeInfoResolver = KtJsonContext.ContractsFirst };

    /// <param name="file">The definition file.</param>
    /// <param name="errorCode">The KT code the caller reports (KT6004 in MSBuild, KT7021 in the client).</param>
    public static ProjectDefinition Read(string file, string errorCode)
    {
        if (!File.Exists(file))
        {
            throw new KtException(errorCode, $"{file} does not exist; the Kt.MSBuild package writes it at build time (is the package referenced?).");
        }

        ProjectDefinition definition;
        try
        {
            definition = System.Text.Json.JsonSerializer.Deserialize<ProjectDefinition>(File.ReadAllText(file), Options)
                ?? throw new KtException(errorCode, $"{file} is empty.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new KtException(errorCode, $"{file} is not a valid Kt definition: {e.Message} (a definition written by another version of Kt.MSBuild is rewritten by the next build).", e);
        }

        // A newer Kt wrote a shape this one cannot know; an older one (version 1) only differs where it failed above.
        return definition.SchemaVersion <= ProjectDefinition.CurrentSchemaVersion ? definition
            : throw new KtException(errorCode, $"{file} has schema version {definition.SchemaVersion}; this Kt reads up to {ProjectDefinition.CurrentSchemaVersion}: update the Kt packages or rebuild with these.");
    }
}
