using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Protocol;

/// <summary>
/// The differential setup for a running pod, computed by Kt.ImageCompiler from the pod's journal and applied by
/// Kt.PodRuntime. It is a wire contract (JSON), so it stays a plain data shape.
/// </summary>
/// <remarks>
/// Semantics: the runtime truncates its journal to the first <see cref="KeepPrefix"/> entries (which must equal
/// <see cref="ExpectedPrefix"/>, else the plan is stale and refused), then applies <see cref="Steps"/> in order,
/// appending each key to the journal only after that step succeeded. <see cref="Environment"/> holds the variables the
/// definition sets; user code sees the pod's base environment (<see cref="PodBase"/>) with them on top, so a variable
/// removed from the definition goes back to its base value (or is unset).
/// </remarks>
public sealed record LivePlan
{
    [JsonPropertyName("planVersion")] public int PlanVersion { get; init; } = 1;

    /// <summary>How many journal entries stay as they are.</summary>
    [JsonPropertyName("keepPrefix")] public int KeepPrefix { get; init; }

    /// <summary>The journal keys the plan was computed against for the kept prefix (staleness check).</summary>
    [JsonPropertyName("expectedPrefix")] public IReadOnlyList<string> ExpectedPrefix { get; init; } = [];

    [JsonPropertyName("steps")] public IReadOnlyList<LiveStep> Steps { get; init; } = [];

    /// <summary>
    /// Every variable the definition sets, with its value after all steps, computed whole each time: user code sees the
    /// pod's base environment with these on top, so a variable the definition no longer sets is absent, hence unset.
    /// </summary>
    [JsonPropertyName("environment")] public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    [JsonPropertyName("workingDirectory")] public string? WorkingDirectory { get; init; }

    [JsonPropertyName("user")] public string? User { get; init; }

    /// <summary>True when an earlier step changed in a way that cannot be undone in place (e.g. a removed apt package).</summary>
    [JsonPropertyName("recreateRequired")] public bool RecreateRequired { get; init; }

    [JsonPropertyName("recreateReason")] public string? RecreateReason { get; init; }

    /// <summary>How many entries the journal had when the plan was computed.</summary>
    [JsonPropertyName("journalLength")] public int JournalLength { get; init; }

    /// <summary>Nothing to run and nothing to drop from the journal (steps removed at the end still need a truncation).</summary>
    [JsonIgnore] public bool IsEmpty => Steps.Count == 0 && KeepPrefix == JournalLength;
}

/// <summary>One step of a live plan. Command steps carry a shell command; file steps carry the files to place.</summary>
public sealed record LiveStep
{
    /// <summary>The step's chain key (64 lowercase hex): the same string as in Dockerfile comments, OCI history and progress lines.</summary>
    [JsonPropertyName("key")] public required string Key { get; init; }

    /// <summary>Step kind: run, apt, pip, dotnet-tool, env, workdir, user, copy, sync.</summary>
    [JsonPropertyName("kind")] public required string Kind { get; init; }

    /// <summary>One human line for progress output, e.g. <c>apt install curl git</c>.</summary>
    [JsonPropertyName("description")] public required string Description { get; init; }

    /// <summary>For command steps: the text given to <c>/bin/sh -c</c>. Null for steps with nothing to execute.</summary>
    [JsonPropertyName("shell")] public string? Shell { get; init; }

    /// <summary>The environment in effect for this step's command (the one built by the steps before it).</summary>
    [JsonPropertyName("environment")] public IReadOnlyDictionary<string, string>? Environment { get; init; }

    [JsonPropertyName("workingDirectory")] public string? WorkingDirectory { get; init; }

    [JsonPropertyName("user")] public string? User { get; init; }

    /// <summary>For copy/sync steps: the absolute destination folder in the pod and the files it must hold.</summary>
    [JsonPropertyName("files")] public LiveFiles? Files { get; init; }

    /// <summary>For apt/pip/dotnet-tool steps: the packages the step installs (lets a planner see removals).</summary>
    [JsonPropertyName("packages")] public IReadOnlyList<string>? Packages { get; init; }

    [JsonPropertyName("force")] public bool Force { get; init; }
}

/// <summary>
/// One entry of a pod's persisted step journal: a step that exited 0. Enough to compute the next plan, including
/// whether a change can be applied in place (packages are kept so that a removal is detectable).
/// </summary>
public sealed record JournalEntry(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("packages")] IReadOnlyList<string>? Packages = null);

/// <summary>Files a copy/sync step places at <see cref="Destination"/>; files it placed before and no longer lists are deleted.</summary>
public sealed record LiveFiles(
    [property: JsonPropertyName("destination")] string Destination,
    [property: JsonPropertyName("manifest")] ContentManifest Manifest);

/// <summary>
/// What a pod starts from before any plan: the environment, user and working directory its runtime was started with
/// (on a container, the image's config plus what the backend adds; for local processes, the launching environment),
/// Kt's secrets removed. User code and command steps see this environment with the plan's variables on top, and a
/// live plan resolves <c>$VAR</c> against it exactly as a freeze resolves against the base image's config.
/// </summary>
public sealed record PodBase(
    [property: JsonPropertyName("environment")] IReadOnlyDictionary<string, string> Environment,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("workingDirectory")] string WorkingDirectory);
