using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Bench;

/// <summary>One measured figure, as written to artifacts/bench/runtime.json.</summary>
internal sealed record BenchFigure(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("baseline")] double? Baseline,
    [property: JsonPropertyName("ratio")] double? Ratio,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("pass")] bool Pass);
