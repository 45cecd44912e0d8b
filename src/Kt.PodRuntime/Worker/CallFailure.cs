namespace Kt.PodRuntime.Worker;

/// <summary>A failure of the call machinery itself (type or method not found, arguments that do not bind), with its KT code and status.</summary>
internal sealed class CallFailure : Exception
{
    public CallFailure(string code, int status, string message, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Status = status;
    }

    public string Code { get; }

    public int Status { get; }
}
