namespace Kt.PodRuntime.Client;

/// <summary>
/// An error raised on a pod (by user code or by the runtime), re-thrown on the caller's side with the remote type
/// name and stack trace. <see cref="Code"/> is the KT code (KT4033 for user exceptions).
/// </summary>
public sealed class RemoteException : Exception
{
    public RemoteException(ErrorEnvelope error, int statusCode)
        : base($"{error.Type}: {error.Message}")
    {
        Error = error;
        StatusCode = statusCode;
    }

    /// <summary>The full error envelope as the pod sent it.</summary>
    public ErrorEnvelope Error { get; }

    /// <summary>The remote exception's full type name, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string RemoteType => Error.Type;

    /// <summary>The remote stack trace (the user's frames, without the runtime's and reflection's), when there is one; inner exceptions are in <see cref="ErrorEnvelope.Inner"/>.</summary>
    public string? RemoteStackTrace => Error.RemoteStack;

    public string? Code => Error.Code;

    public string? Pod => Error.Pod;

    public string? Version => Error.Version;

    public string? RequestId => Error.RequestId;

    public int StatusCode { get; }

    /// <summary>The SPMD rank that failed, when the error came from a broadcast.</summary>
    public int? Rank { get; init; }

    /// <summary>This exception, then the pod's as <c>dotnet</c> would print it (type, message, inner exceptions, the pod's frames).</summary>
    public override string ToString() =>
        $"{base.ToString()}{Environment.NewLine}--- remote ---{Environment.NewLine}{RemoteErrorText.Format(Error)}";
}
