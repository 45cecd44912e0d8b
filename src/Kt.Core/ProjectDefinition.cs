using System.Text.Json.Serialization;

namespace Kt.Core;

/// <summary>
/// A project's Kt definition as the build declares it (csproj properties and items), written by Kt.MSBuild into the
/// build output as <c>kt.definition.json</c> so that the C# client loads the very same definition: the csproj stays
/// the single source of truth. Arguments stay strings here; the image compiler and the deploy side validate them.
/// </summary>
public sealed record ProjectDefinition
{
    public const string FileName = "kt.definition.json";

    [JsonPropertyName("service")] public required string Service { get; init; }

    /// <summary>Base image reference, or null when <see cref="BaseDockerfile"/> is used.</summary>
    [JsonPropertyName("baseImage")] public string? BaseImage { get; init; }

    /// <summary>A Dockerfile to start from, relative to the project folder.</summary>
    [JsonPropertyName("baseDockerfile")] public string? BaseDockerfile { get; init; }

    [JsonPropertyName("steps")] public IReadOnlyList<StepDeclaration> Steps { get; init; } = [];

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

        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<ProjectDefinition>(File.ReadAllText(file), Options)
                ?? throw new KtException(errorCode, $"{file} is empty.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new KtException(errorCode, $"{file} is not a valid Kt definition: {e.Message}", e);
        }
    }
}
