using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kt.Oci;

/// <summary>The image configuration blob (OCI image-spec config.md; Docker's config is a superset).</summary>
public sealed record ImageConfig
{
    [JsonPropertyName("created")] public string? Created { get; init; }

    [JsonPropertyName("author")] public string? Author { get; init; }

    [JsonPropertyName("architecture")] public string Architecture { get; init; } = "amd64";

    [JsonPropertyName("os")] public string Os { get; init; } = "linux";

    [JsonPropertyName("variant")] public string? Variant { get; init; }

    [JsonPropertyName("config")] public ContainerConfig? Config { get; init; }

    [JsonPropertyName("rootfs")] public RootFs RootFs { get; init; } = new();

    [JsonPropertyName("history")] public IReadOnlyList<HistoryEntry>? History { get; init; }
}

/// <summary>What a container of the image runs with. Fields Kt does not model (Healthcheck, Volumes, StopSignal…) are kept.</summary>
public sealed record ContainerConfig
{
    [JsonPropertyName("User")] public string? User { get; init; }

    [JsonPropertyName("ExposedPorts")] public IReadOnlyDictionary<string, EmptyObject>? ExposedPorts { get; init; }

    [JsonPropertyName("Env")] public IReadOnlyList<string>? Env { get; init; }

    [JsonPropertyName("Entrypoint")] public IReadOnlyList<string>? Entrypoint { get; init; }

    [JsonPropertyName("Cmd")] public IReadOnlyList<string>? Cmd { get; init; }

    [JsonPropertyName("WorkingDir")] public string? WorkingDir { get; init; }

    [JsonPropertyName("Labels")] public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Base-image fields not modelled above, carried through unchanged.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Other { get; init; }
}

/// <summary>The JSON <c>{}</c> used as the value of ExposedPorts/Volumes entries.</summary>
public sealed record EmptyObject
{
    public static EmptyObject Instance { get; } = new();
}

public sealed record RootFs
{
    [JsonPropertyName("type")] public string Type { get; init; } = "layers";

    [JsonPropertyName("diff_ids")] public IReadOnlyList<Kt.Core.Digest> DiffIds { get; init; } = [];
}

/// <summary>One history line; entries with <see cref="EmptyLayer"/> false line up, in order, with the layers.</summary>
public sealed record HistoryEntry
{
    [JsonPropertyName("created")] public string? Created { get; init; }

    [JsonPropertyName("created_by")] public string? CreatedBy { get; init; }

    [JsonPropertyName("author")] public string? Author { get; init; }

    [JsonPropertyName("comment")] public string? Comment { get; init; }

    [JsonPropertyName("empty_layer")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool EmptyLayer { get; init; }
}
