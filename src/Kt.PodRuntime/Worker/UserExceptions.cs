using System.Collections;
using System.Globalization;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Worker;

/// <summary>
/// Describes a user exception for the caller: type and assembly (so the caller can make one of the same type),
/// message, HResult, <c>Data</c>, inner exceptions and the stack of the user's own frames. Bounded, because an
/// exception graph is the user's and may be anything (a cycle through Data, thousands of inner exceptions).
/// </summary>
internal static class UserExceptions
{
    private const int MaxDepth = 8;
    private const int MaxInner = 16;
    private const int MaxDataEntries = 32;
    private const int MaxDataChars = 4096;

    public static ErrorEnvelope Describe(Exception exception, string? version, string requestId) => Of(exception, 0) with
    {
        Code = RuntimeErrorCodes.UserException,
        Status = ExceptionStatus.For(exception),
        Version = version,
        RequestId = requestId,
    };

    private static ErrorEnvelope Of(Exception exception, int depth)
    {
        var type = exception.GetType();
        return new ErrorEnvelope
        {
            Type = type.FullName ?? type.Name,
            Assembly = type.Assembly.GetName().Name,
            Message = exception.Message,
            HResult = exception.HResult,
            RemoteStack = StackFrames.UserOnly(exception.StackTrace),
            Data = DataOf(exception),
            Inner = depth >= MaxDepth ? null : InnerOf(exception, depth),
        };
    }

    private static IReadOnlyList<ErrorEnvelope>? InnerOf(Exception exception, int depth)
    {
        IEnumerable<Exception> inner = exception is AggregateException aggregate
            ? aggregate.InnerExceptions
            : exception.InnerException is { } one ? [one] : [];
        var described = inner.Take(MaxInner).Select(e => Of(e, depth + 1)).ToArray();
        return described.Length == 0 ? null : described;
    }

    // Keys and values as text: the caller's Data gets the same entries, whatever their types were here.
    private static Dictionary<string, string>? DataOf(Exception exception)
    {
        Dictionary<string, string>? data = null;
        try
        {
            foreach (DictionaryEntry entry in exception.Data)
            {
                if (data?.Count >= MaxDataEntries)
                {
                    break;
                }

                var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
                var value = Convert.ToString(entry.Value, CultureInfo.InvariantCulture) ?? string.Empty;
                (data ??= new Dictionary<string, string>(StringComparer.Ordinal))[key] = value.Length > MaxDataChars ? value[..MaxDataChars] : value;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A user ToString that throws loses its entry, not the description of the exception.
        }

        return data;
    }
}
