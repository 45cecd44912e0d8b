using System.Text.RegularExpressions;

namespace Kt.Core;

/// <summary>
/// What a setup step must be, wherever it is checked: the image model when a definition is read (the client) and the
/// pod when a plan arrives (the boundary, which trusts no client). One home, so the two never disagree.
/// </summary>
public static partial class StepRules
{
    /// <summary>Letters, digits and '_', not starting with a digit (what a shell can name, and no '=' or empty name).</summary>
    public static bool IsEnvironmentName(string? name) => name is not null && EnvironmentName().IsMatch(name);

    /// <summary>A path on the pod (Linux): absolute, so it means one folder whatever the runtime's current directory.</summary>
    public static bool IsPodAbsolutePath(string? path) => path is { Length: > 0 } && path[0] == '/' && !path.Contains('\0', StringComparison.Ordinal);

    /// <summary>A step's chain key: 64 lowercase hex (the same string in Dockerfile comments, OCI history and journals).</summary>
    public static bool IsStepKey(string? key) => key is not null && StepKey().IsMatch(key);

    /// <summary>Kinds whose step is a shell command (and must carry one).</summary>
    public static bool RunsCommand(string kind) => kind is StepKinds.Run or StepKinds.Apt or StepKinds.Pip or StepKinds.DotnetTool;

    /// <summary>Kinds whose step places files (and must carry them).</summary>
    public static bool PlacesFiles(string kind) => kind is StepKinds.Copy or StepKinds.Sync;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex StepKey();
}
