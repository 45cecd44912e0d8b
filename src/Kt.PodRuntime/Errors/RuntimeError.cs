using Kt.Core;

namespace Kt.PodRuntime.Errors;

/// <summary>A runtime error with the HTTP status it maps to; rendered as an <see cref="ErrorEnvelope"/>.</summary>
public sealed class RuntimeError : KtException
{
    public RuntimeError(string code, int status, string message, Exception? inner = null)
        : base(code, message, inner)
    {
        Status = status;
    }

    public int Status { get; }

    public ErrorEnvelope ToEnvelope(string? pod, string? version, string? requestId) => new()
    {
        Type = "Kt.RuntimeError",
        Message = Message,
        Code = Code,
        Status = Status,
        Pod = pod,
        Version = version,
        RequestId = requestId,
    };
}
