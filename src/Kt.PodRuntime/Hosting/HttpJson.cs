using System.Text.Json;
using Kt.PodRuntime.Errors;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Hosting;

/// <summary>Bounded body reading and envelope writing for the endpoints.</summary>
internal static class HttpJson
{
    /// <summary>The protocol's generated metadata (user call values are raw JSON here and never deserialized).</summary>
    public static readonly JsonSerializerOptions Options = PodJsonContext.Wire;

    /// <summary>
    /// Reads a whole body within <paramref name="limit"/>, holding its bytes in the pod's <paramref name="budget"/> until
    /// the returned body is disposed (issue 22: bodies in flight are bounded across requests).
    /// </summary>
    public static async Task<RequestBody> ReadBodyAsync(HttpRequest request, long limit, BodyBudget budget)
    {
        if (request.ContentLength > limit)
        {
            throw new RuntimeError(RuntimeErrorCodes.BodyTooLarge, 413, $"The request body is over the limit of {limit} bytes.");
        }

        var aborted = request.HttpContext.RequestAborted;
        // A declared length (what every client of ours sends) is reserved, then read straight into an array of that
        // size: one allocation, no growing buffer and no copy (a 63 MiB body cost 127 MiB and two garbage arrays before).
        if (request.ContentLength is { } declared)
        {
            var lease = await budget.ReserveAsync(declared, aborted).ConfigureAwait(false);
            try
            {
                var exact = new byte[declared];
                await request.Body.ReadExactlyAsync(exact, aborted).ConfigureAwait(false);
                return new RequestBody(exact, lease);
            }
            catch
            {
                lease.Dispose();
                throw;
            }
        }

        var grown = await budget.ReserveAsync(0, aborted).ConfigureAwait(false);
        var buffer = new MemoryStream(4096);
        var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, aborted).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    throw new RuntimeError(RuntimeErrorCodes.BodyTooLarge, 413, $"The request body is over the limit of {limit} bytes.");
                }

                if (!budget.TryGrow(ref grown, read))
                {
                    throw budget.Refusal(buffer.Length + read);
                }

                buffer.Write(chunk, 0, read);
            }

            return new RequestBody(new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length), grown);
        }
        catch
        {
            grown.Dispose();
            throw;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    /// <param name="maxEntries">
    /// When set, a body of more JSON objects than this (a manifest's entries) is refused with KT4046 before anything is
    /// deserialized: a 450,000-entry manifest cost 600 MB and 96 s of work under the activation gate.
    /// </param>
    /// <param name="around">How many objects hold the entries (the body; an activation's manifest).</param>
    public static async Task<T> ReadAsync<T>(HttpRequest request, long limit, BodyBudget budget, int? maxEntries = null, int around = 1)
        where T : class
    {
        using var body = await ReadBodyAsync(request, limit, budget).ConfigureAwait(false);
        if (maxEntries is { } max)
        {
            RefuseOverEntries(body.Memory.Span, max, around);
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body.Memory.Span, Options)
                ?? throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "The request body is empty or null.");
        }
        catch (JsonException ex)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, $"The request body is not valid JSON for {typeof(T).Name}: {ex.Message}");
        }
    }

    /// <summary>
    /// Refuses (KT4046) a body of more than <paramref name="max"/> JSON objects besides the <paramref name="around"/>
    /// that hold them, counted without building any.
    /// </summary>
    public static void RefuseOverEntries(ReadOnlySpan<byte> json, int max, int around)
    {
        if (CountObjects(json, max + around) > max + around)
        {
            throw new RuntimeError(RuntimeErrorCodes.TooManyEntries, 413, $"The request names more than {max} entries (--max-manifest-entries); split the folder or raise the limit.");
        }
    }

    // Counts JSON objects without building any, stopping past the limit; a body that is not JSON is left to the deserializer.
    private static int CountObjects(ReadOnlySpan<byte> json, int stopAfter)
    {
        var reader = new Utf8JsonReader(json);
        var count = 0;
        try
        {
            while (count <= stopAfter && reader.Read())
            {
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    count++;
                }
            }
        }
        catch (JsonException)
        {
        }

        return count;
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
