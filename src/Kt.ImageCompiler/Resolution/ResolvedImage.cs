using Kt.ImageCompiler.Keys;

namespace Kt.ImageCompiler.Resolution;

/// <summary>A definition resolved against a project: keyed steps and the final image metadata.</summary>
public sealed record ResolvedImage
{
    public required string BaseReference { get; init; }

    public required StepKey RootKey { get; init; }

    public required IReadOnlyList<ResolvedStep> Steps { get; init; }

    /// <summary>The environment after every step (base environment included), computed whole.</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    /// <summary>Variables set by the definition (not inherited from the base), in the order first set.</summary>
    public required IReadOnlyList<string> DefinedVariables { get; init; }

    public string? WorkingDirectory { get; init; }

    public string? User { get; init; }

    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> ExposedPorts { get; init; } = [];

    /// <summary>The key of the last step: identifies the whole image definition.</summary>
    public StepKey FinalKey => Steps.Count == 0 ? RootKey : Steps[^1].Key;

    public bool NeedsEngine => Steps.Any(s => s.NeedsEngine);
}
