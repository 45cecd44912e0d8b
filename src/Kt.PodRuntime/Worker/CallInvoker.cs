using System.Reflection;
using System.Text.Json;
using Kt.PodRuntime.Errors;

namespace Kt.PodRuntime.Worker;

/// <summary>Runs one call against a generation: resolve, bind, invoke, await, serialize.</summary>
internal static class CallInvoker
{
    public static async Task<byte[]> InvokeAsync(
        CodeGeneration generation, CallKind kind, string typeName, string methodName, ReadOnlyMemory<byte> body,
        Func<string, ReadOnlyMemory<byte>> classInitBody, CancellationToken cancellationToken, ItemSink? items = null)
    {
        var type = generation.ResolveType(typeName);
        var isStatic = kind == CallKind.Function;
        var target = isStatic ? null : generation.GetInstance(type, classInitBody(type.FullName!));
        var arguments = ArgumentBinder.Parse(body);
        var method = generation.ResolveMethods(type, methodName, isStatic)
            .FirstOrDefault(m => ArgumentBinder.Fits(m.GetParameters(), arguments))
            ?? throw new CallFailure(RuntimeErrorCodes.BadArguments, 400, $"No overload of '{typeName}.{methodName}' takes {arguments.Positional.Length} positional and {arguments.Named.Count} named argument(s).");
        var values = ArgumentBinder.Bind(method.GetParameters(), arguments, generation.Json, cancellationToken);

        var returned = method.Invoke(target, BindingFlags.DoNotWrapExceptions, binder: null, values, culture: null);
        var (result, resultType) = await UnwrapAsync(returned, method.ReturnType).ConfigureAwait(false);
        var asyncElement = result is null ? null : StreamResults.AsyncElement(result);
        if ((asyncElement ?? (items is null || result is null ? null : StreamResults.LazyElement(result, resultType))) is { } element)
        {
            if (items is not null)
            {
                // The elements have left one by one; the result that ends the stream says nothing more.
                await StreamResults.PumpAsync(result!, element, asyncElement is not null, items, generation.Json, cancellationToken).ConfigureAwait(false);
                return "null"u8.ToArray();
            }

            (result, resultType) = (await StreamResults.GatherAsync(result!, element, cancellationToken).ConfigureAwait(false), typeof(List<>).MakeGenericType(element));
        }

        return result is null ? "null"u8.ToArray() : Serialize(result, resultType == typeof(object) ? result.GetType() : resultType, generation, $"{typeName}.{methodName}");
    }

    /// <summary>The largest result a call may return (a frame holds at most <see cref="Ipc.Frame.MaxFrameBytes"/>).</summary>
    public const int MaxResultBytes = 256 << 20;

    // Too large is the caller's problem to fix, so it is said in sizes, not as the serializer's ArgumentException.
    private static byte[] Serialize(object result, Type type, CodeGeneration generation, string name)
    {
        byte[] json;
        try
        {
            json = JsonSerializer.SerializeToUtf8Bytes(result, type, generation.Json);
        }
        catch (Exception ex) when (ex is ArgumentException or OutOfMemoryException or OverflowException)
        {
            throw new CallFailure(RuntimeErrorCodes.ResultTooLarge, 500, $"The result of {name} ({type.Name}) could not be serialized within the limit of {MaxResultBytes >> 20} MiB ({ex.Message}); return less, or write it to a file or volume and return its path.");
        }

        return json.Length <= MaxResultBytes
            ? json
            : throw new CallFailure(RuntimeErrorCodes.ResultTooLarge, 500, $"The result of {name} is {json.Length >> 20} MiB of JSON, over the limit of {MaxResultBytes >> 20} MiB; return less, or write it to a file or volume and return its path.");
    }

    private static async ValueTask<(object? Value, Type Type)> UnwrapAsync(object? returned, Type declared)
    {
        if (declared == typeof(void))
        {
            return (null, typeof(object));
        }

        if (returned is Task task)
        {
            await task.ConfigureAwait(false);
            return declared.IsGenericType && declared.GetGenericTypeDefinition() == typeof(Task<>)
                ? (declared.GetProperty(nameof(Task<object>.Result))!.GetValue(task), declared.GetGenericArguments()[0])
                : (null, typeof(object));
        }

        if (returned is ValueTask valueTask)
        {
            await valueTask.ConfigureAwait(false);
            return (null, typeof(object));
        }

        if (declared.IsGenericType && declared.GetGenericTypeDefinition() == typeof(ValueTask<>) && returned is not null)
        {
            var asTask = (Task)declared.GetMethod(nameof(ValueTask<object>.AsTask))!.Invoke(returned, null)!;
            await asTask.ConfigureAwait(false);
            return (asTask.GetType().GetProperty(nameof(Task<object>.Result))!.GetValue(asTask), declared.GetGenericArguments()[0]);
        }

        return (returned, declared);
    }
}
