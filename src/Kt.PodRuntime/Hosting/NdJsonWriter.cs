using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Kt.PodRuntime.Hosting;

/// <summary>
/// The one writer of every streaming answer (plan events, streamed calls, followed logs): one JSON value per line,
/// serialized straight into the response pipe. A caller that goes away ends the stream quietly (<see cref="ClientGone"/>):
/// the work it started goes on, and its output stays in the log hub. Not thread-safe: one producer writes.
/// </summary>
internal sealed class NdJsonWriter
{
    private readonly HttpContext _context;
    private readonly PipeWriter _pipe;
    private readonly Utf8JsonWriter _json;

    private NdJsonWriter(HttpContext context)
    {
        _context = context;
        _pipe = context.Response.BodyWriter;
        _json = new Utf8JsonWriter(_pipe);
    }

    /// <summary>True once a write failed because the caller left; later writes do nothing.</summary>
    public bool ClientGone { get; private set; }

    /// <summary>Starts a 200 NDJSON answer.</summary>
    public static NdJsonWriter Start(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = PodRoutes.NdJson;
        return new NdJsonWriter(context);
    }

    public ValueTask WriteAsync<T>(T value, JsonTypeInfo<T> type, bool flush = true)
    {
        if (ClientGone)
        {
            return ValueTask.CompletedTask;
        }

        try
        {
            _json.Reset(_pipe);
            JsonSerializer.Serialize(_json, value, type);
            _json.Flush();
            Write("\n"u8);
        }
        catch (Exception ex) when (IsCallerGone(ex))
        {
            ClientGone = true;
            return ValueTask.CompletedTask;
        }

        return flush ? FlushAsync() : ValueTask.CompletedTask;
    }

    /// <summary>
    /// Writes <paramref name="head"/> with one more member whose value is JSON already (a user's call result): spliced
    /// in as bytes, never parsed again.
    /// </summary>
    public ValueTask WriteWithRawMemberAsync<T>(T head, JsonTypeInfo<T> type, ReadOnlySpan<byte> member, ReadOnlyMemory<byte> rawJson, bool flush = true)
    {
        if (ClientGone)
        {
            return ValueTask.CompletedTask;
        }

        var header = JsonSerializer.SerializeToUtf8Bytes(head, type);
        try
        {
            Write(header.AsSpan(0, header.Length - 1)); // without its closing brace
            Write(","u8);
            Write("\""u8);
            Write(member);
            Write("\":"u8);
            Write(rawJson.Span);
            Write("}\n"u8);
        }
        catch (Exception ex) when (IsCallerGone(ex))
        {
            ClientGone = true;
            return ValueTask.CompletedTask;
        }

        return flush ? FlushAsync() : ValueTask.CompletedTask;
    }

    public async ValueTask FlushAsync()
    {
        if (ClientGone)
        {
            return;
        }

        try
        {
            var result = await _pipe.FlushAsync(_context.RequestAborted).ConfigureAwait(false);
            ClientGone = result.IsCanceled || result.IsCompleted;
        }
        catch (Exception ex) when (IsCallerGone(ex))
        {
            ClientGone = true;
        }
    }

    // A write can fail before any flush: once the request has ended (its handler returned because the caller left while
    // a producer still drains its queue), the response writer throws on GetSpan. That is the caller gone too: a producer
    // that threw instead would stop acknowledging what it was handed and hold a call's writers for ever.
    private static bool IsCallerGone(Exception ex) =>
        ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException;

    // In pieces, so that a large result does not ask the pipe for one segment of its whole size.
    private void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var span = _pipe.GetSpan(Math.Min(bytes.Length, 64 * 1024));
            var n = Math.Min(span.Length, bytes.Length);
            bytes[..n].CopyTo(span);
            _pipe.Advance(n);
            bytes = bytes[n..];
        }
    }
}
