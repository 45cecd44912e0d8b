namespace Kt.Cli;

/// <summary>The KT8xxx codes of the <c>kt</c> verbs themselves (see docs/errors-cli.md).</summary>
internal static class CliErrors
{
    /// <summary><c>kt call</c> got no <c>Type.Method</c>, or arguments that are not a JSON array.</summary>
    public const string BadCall = "KT8006";

    /// <summary>The project's service has no pods on its backend.</summary>
    public const string NotDeployed = "KT8007";

    /// <summary>A <c>-p:</c> value of a project verb that names no property (<c>-p:docker</c> for <c>-p:KtCompute=docker</c>).</summary>
    public const string PropertyWithoutName = "KT8012";
}
