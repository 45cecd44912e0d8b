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
        : base($"{code}: {message}", inner)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        Code = code;
        Detail = message;
    }

    /// <summary>The stable code, e.g. <c>KT1001</c>.</summary>
    public string Code { get; }

    /// <summary>The message without the code prefix.</summary>
    public string Detail { get; }
}
