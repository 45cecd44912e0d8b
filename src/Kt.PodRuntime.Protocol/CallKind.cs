namespace Kt.PodRuntime.Protocol;

/// <summary>What a call addresses: a static method (<c>POST /fn/{type}/{method}</c>) or a method of the service's one
/// instance of a class (<c>POST /cls/{type}/{method}</c>, constructed with the arguments of <c>PUT /cls/{type}</c>).</summary>
public enum CallKind
{
    Function,
    ClassMethod,
}

/// <summary>The short names a call kind travels under between the runtime and its worker process.</summary>
public static class CallKinds
{
    public static string WireName(this CallKind kind) => kind switch
    {
        CallKind.Function => "fn",
        CallKind.ClassMethod => "cls",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a call kind."),
    };

    /// <summary>The kind a wire name stands for; anything else is a corrupted message, not a user mistake.</summary>
    public static CallKind Parse(string? name) => name switch
    {
        "fn" => CallKind.Function,
        "cls" => CallKind.ClassMethod,
        _ => throw new InvalidDataException($"Unknown call kind '{name}'."),
    };
}
