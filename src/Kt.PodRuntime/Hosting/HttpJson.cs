using System.Text.Json;
using Kt.PodRuntime.Errors;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Hosting;

/// <summary>Bounded body reading and envelope writing for the endpoints.</summary>
internal static class HttpJson
{
    /// <summary>The protocol's generated metadata (user call values are raw JSON here and never deserialized).</summary>
    public static readonly JsonSerializerOptions Options = PodJsonContext.Wire;

    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, long limit)
    {
        if (request.ContentLength > limit)
        {
            throw new RuntimeError(RuntimeErrorCodes.BodyTooLarge, 413, $"The request body is over the limit of {limit} bytes.");
        }

        // A declared length (what every client of ours sends) is read straight into an array of that size: one
        // allocation per call instead of a growing buffer, a 16 KiB chunk and a copy.
        if (request.ContentLength is { } declared and < 1 << 20)
        {
            var exact = new byte[declared];
            await request.Body.ReadExactlyAsync(exact, request.HttpContext.RequestAborted).ConfigureAwait(false);
            return exact;
        }

        using var buffer = new MemoryStream(request.ContentLength is > 0 and < int.MaxValue ? (int)Math.Min(request.ContentLength.Value, 1 << 24) : 4096);
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new RuntimeError(RuntimeErrorCodes.BodyTooLarge, 413, $"The request body is over the limit of {limit} bytes.");
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.ToArray();
    }

    public static async Task<T> ReadAsync<T>(HttpRequest request, long limit)
        where T : class
    {
        var body = await ReadBodyAsync(request, limit).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(body, Options)
                ?? throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "The request body is empty or null.");
        }
        catch (JsonException ex)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, $"The request body is not valid JSON for {typeof(T).Name}: {ex.Message}");
        }
    }

    public static Task WriteAsync<T>(HttpContext context, int status, T value)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(value, Options)).AsTask();
    }

    /// <summary>Writes a body prepared once (probes): no serializer work on the paths a fresh pod answers first.</summary>
    public static Task WriteRawAsync(HttpContext context, int status, ReadOnlyMemory<byte> json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.Body.WriteAsync(json).AsTask();
    }

    /// <summary>A flat JSON object of string fields, written without reflection.</summary>
    public static byte[] FlatObject(params (string Name, string Value)[] fields)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in fields)
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    public static Task WriteErrorAsync(HttpContext context, ErrorEnvelope error)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.Headers[PodRoutes.ErrorCodeHeader] = error.Code ?? string.Empty;
        return WriteAsync(context, error.Status is >= 400 and < 600 ? error.Status : 500, error);
    }
}
