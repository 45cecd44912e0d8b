using System.Text.Json;

namespace Kt.PodRuntime.Errors;

/// <summary>How a user exception maps to an HTTP status (the runtime's equivalent of Kubetorch's table).</summary>
public static class ExceptionStatus
{
    public static int For(Exception exception) => exception switch
    {
        ArgumentException or FormatException or JsonException => 400,
        UnauthorizedAccessException => 403,
        NotImplementedException => 501,
        TimeoutException => 504,
        OperationCanceledException => 499,
        _ => 500,
    };
}
