using System.Text.Json.Serialization;

namespace Kt.Core;

/// <summary>
/// Knative autoscaling settings. Every field that is set is rendered (as a revision annotation or, for
/// <see cref="ContainerConcurrency"/>, on the revision spec); nothing is validated and then dropped.
/// </summary>
/// <param name="Min">min-scale (0 allows scale to zero; pinned to at least 1 in dev mode).</param>
/// <param name="Max">max-scale (0 = unbounded, Knative's meaning).</param>
/// <param name="Initial">initial-scale.</param>
/// <param name="Target">Per-pod target of <see cref="Metric"/> (e.g. concurrent requests).</param>
/// <param name="Metric"><c>concurrency</c>, <c>rps</c>, <c>cpu</c> or <c>memory</c>.</param>
/// <param name="Window">Stable window (6 s to 1 h).</param>
/// <param name="Class">Autoscaler class, e.g. <c>kpa.autoscaling.knative.dev</c> or <c>hpa.autoscaling.knative.dev</c>.</param>
/// <param name="TargetUtilization">target-utilization-percentage (1–100).</param>
/// <param name="ScaleDownDelay">scale-down-delay (0 s to 1 h).</param>
/// <param name="ScaleToZeroRetention">scale-to-zero-pod-retention-period.</param>
/// <param name="ProgressDeadline">serving.knative.dev/progress-deadline.</param>
/// <param name="ContainerConcurrency">Hard limit of concurrent requests per pod (0 = unlimited).</param>
public sealed record Autoscale(
    [property: JsonPropertyName("min")] int? Min = null,
    [property: JsonPropertyName("max")] int? Max = null,
    [property: JsonPropertyName("initial")] int? Initial = null,
    [property: JsonPropertyName("target")] double? Target = null,
    [property: JsonPropertyName("metric")] string? Metric = null,
    [property: JsonPropertyName("window")] TimeSpan? Window = null,
    [property: JsonPropertyName("class")] string? Class = null,
    [property: JsonPropertyName("targetUtilization")] int? TargetUtilization = null,
    [property: JsonPropertyName("scaleDownDelay")] TimeSpan? ScaleDownDelay = null,
    [property: JsonPropertyName("scaleToZeroRetention")] TimeSpan? ScaleToZeroRetention = null,
    [property: JsonPropertyName("progressDeadline")] TimeSpan? ProgressDeadline = null,
    [property: JsonPropertyName("containerConcurrency")] int? ContainerConcurrency = null);

/// <summary>Kinds of distributed groups.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DistributeKind>))]
public enum DistributeKind
{
    /// <summary>A KubeRay RayCluster: one head and N-1 workers; calls go to the head.</summary>
    Ray,

    /// <summary>N identical ranks (StatefulSet + headless Service) with WORLD_SIZE/RANK/MASTER_ADDR/MASTER_PORT.</summary>
    Spmd,
}

/// <summary>Run the service as a distributed group of <paramref name="Workers"/> pods.</summary>
/// <param name="Kind">Ray or SPMD.</param>
/// <param name="Workers">Total pods, head included for Ray.</param>
/// <param name="MasterPort">Rendezvous port for SPMD (MASTER_PORT).</param>
public sealed record Distribute(
    [property: JsonPropertyName("kind")] DistributeKind Kind,
    [property: JsonPropertyName("workers")] int Workers,
    [property: JsonPropertyName("masterPort")] int MasterPort = 29500)
{
    /// <summary>The distribution kind of an unknown name (KtDistribute's Include).</summary>
    public const string UnknownKindCode = "KT5010";

    /// <summary>Parses the user-facing names <c>"ray"</c> and <c>"spmd"</c>.</summary>
    public static Distribute Of(string kind, int workers) => kind.ToLowerInvariant() switch
    {
        "ray" => new Distribute(DistributeKind.Ray, workers),
        "spmd" => new Distribute(DistributeKind.Spmd, workers),
        _ => throw new KtException(UnknownKindCode, $"Unknown distribution '{kind}'; expected 'ray' or 'spmd'."),
    };
}
