namespace Kt.Core;

/// <summary>
/// Every error Kt reports to a user carries a stable code (<c>KTxxxx</c>) so that scripts, docs and
/// support can refer to it; the message says what was wrong and where.
/// </summary>
/// <remarks>
/// Code ranges: KT1xxx image definitions, KT2xxx OCI images and registries, KT3xxx container engines,
/// KT4xxx the pod runtime, KT5xxx deploy targets and Kubernetes, KT6xxx MSBuild.
/// </remarks>
public class KtException : Exception
{
    public KtException(string code, string message, Exception? inner = null)
        : base(WithCode(code, message), inner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        Code = code;
        Detail = message;
    }

    /// <summary>The stable code, e.g. <c>KT1001</c>.</summary>
    public string Code { get; }

    /// <summary>The message without the code.</summary>
    public string Detail { get; }

    /// <summary>The message ends with its code, where a reader looks it up (<c>… (KT1001)</c>); MSBuild shows Detail with the code in front.</summary>
    private static string WithCode(string code, string message) =>
        message.TrimEnd().EndsWith(code, StringComparison.Ordinal) || message.TrimEnd().EndsWith(code + ")", StringComparison.Ordinal)
            ? message
            : $"{message.TrimEnd()} ({code})";
}
