namespace Kt.Core;

/// <summary>
/// A Kt error caused by one declared setup step (a step that failed on a pod, KT4011): carries the step's
/// <see cref="Origin"/> (<c>KtSetup item 3 ('run')</c>), so that MSBuild reports it at that csproj item's file and line.
/// </summary>
public sealed class KtStepException(string code, string message, string origin, Exception? inner = null)
    : KtException(code, $"{origin}: {message}", inner)
{
    /// <summary>Where the step was declared, as the definition records it (<c>StepDeclaration.Origin</c>).</summary>
    public string Origin { get; } = origin;
}
