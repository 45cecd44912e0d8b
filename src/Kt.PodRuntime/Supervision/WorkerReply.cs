using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Supervision;

/// <summary>The outcome of one call: the JSON result bytes, or an error envelope.</summary>
public sealed record WorkerReply(ReadOnlyMemory<byte> Result, ErrorEnvelope? Error, string? Version = null)
{
    public bool Ok => Error is null;
}

/// <summary>One line of output a call produced.</summary>
public readonly record struct CallLogLine(string RequestId, string Stream, string Line);
