using System.Text;

namespace Kt.PodRuntime.Client;

/// <summary>
/// A pod's error as <c>dotnet</c> prints an exception (<see cref="Exception.ToString"/>): <c>Type: message</c>, each
/// inner exception after <c> ---&gt; </c> closed by <c>--- End of inner exception stack trace ---</c>, then the
/// pod's frames; and a last line naming the pod, version, request and KT code.
/// </summary>
public static class RemoteErrorText
{
    /// <summary>The error's text; <c>kt call</c> prints it after <c>Unhandled exception. </c> for a user exception.</summary>
    public static string Format(ErrorEnvelope error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var text = new StringBuilder();
        Append(text, error);
        text.AppendLine().Append($"   --- on {error.Pod ?? "the pod"}, version {error.Version ?? "?"}, request {error.RequestId ?? "?"} ({error.Code}) ---");
        return text.ToString();
    }

    private static void Append(StringBuilder text, ErrorEnvelope error)
    {
        text.Append(error.Type).Append(": ").Append(error.Message);
        var inner = error.Inner ?? [];
        for (var i = 0; i < inner.Count; i++)
        {
            text.AppendLine().Append(" ---> ");
            if (inner.Count > 1)
            {
                text.Append($"(Inner Exception #{i}) ");
            }

            Append(text, inner[i]);
            text.AppendLine().Append("   --- End of inner exception stack trace ---");
        }

        if (!string.IsNullOrEmpty(error.RemoteStack))
        {
            text.AppendLine().Append(error.RemoteStack);
        }
    }
}
