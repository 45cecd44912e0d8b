using System.Diagnostics;
using System.Text.Json;
using Kt.PodRuntime.Errors;
using Kt.PodRuntime.Observability;
using Kt.PodRuntime.Supervision;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary>Function and class-method calls (plain JSON, or NDJSON log lines then the result) and class registration.</summary>
internal sealed class CallEndpoints(RuntimeOptions options, WorkerSupervisor supervisor, LogHub logs, RuntimeMetrics metrics, PodErrors errors, BodyBudget bodies)
    : IEndpointGroup
{
    public void Map(IEndpointRouteBuilder routes)
    {
        routes.MapPost(PodRoutes.Function, (HttpContext c, string type, string method) => CallAsync(c, CallKind.Function, type, method));
        routes.MapPut(PodRoutes.ClassInit, (HttpContext c, string type) => RegisterClassAsync(c, type));
        routes.MapPost(PodRoutes.ClassMethod, (HttpContext c, string type, string method) => CallAsync(c, CallKind.ClassMethod, type, method));
    }

    private async Task RegisterClassAsync(HttpContext context, string type)
    {
        using var read = await HttpJson.ReadBodyAsync(context.Request, options.MaxJsonBytes, bodies).ConfigureAwait(false);
        var body = read.Memory.ToArray(); // kept by the supervisor for every future worker
        try
        {
            using var document = JsonDocument.Parse(body.Length == 0 ? "{}"u8.ToArray() : body);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "Init arguments are a JSON object {\"args\": [...], \"kwargs\": {...}}.");
            }
        }
        catch (JsonException ex)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, $"Init arguments are not valid JSON: {ex.Message}");
        }

        await supervisor.RegisterClassAsync(type, body, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = 204;
    }

    private async Task CallAsync(HttpContext context, CallKind kind, string type, string method)
    {
        var requestId = PodErrors.RequestIdOf(context);
        PodTracing.DescribeCall(kind, type, method, requestId);
        // The body's bytes stay reserved in the pod's budget until the call has answered (the worker has its copy by then).
        using var read = await HttpJson.ReadBodyAsync(context.Request, options.MaxJsonBytes, bodies).ConfigureAwait(false);
        var body = read.Memory;
        var streaming = context.Request.Headers.Accept.ToString().Contains(PodRoutes.NdJson, StringComparison.OrdinalIgnoreCase);
        using var timeout = TimeoutSource(context);
        using var linked = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token);
        var token = linked?.Token ?? context.RequestAborted;

        metrics.CallStarted();
        var started = Stopwatch.GetTimestamp();
        var failed = true;
        try
        {
            if (!streaming)
            {
                WorkerReply reply;
                try
                {
                    reply = await supervisor.CallAsync(kind, type, method, requestId, body, null, token, timeout?.Token ?? default).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true)
                {
                    throw TimedOut();
                }

                failed = !reply.Ok;
                if (reply.Error is { } error)
                {
                    await HttpJson.WriteErrorAsync(context, errors.Stamp(error, context)).ConfigureAwait(false);
                    return;
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                context.Response.ContentLength = reply.Result.Length; // one plain body, not chunks
                if (reply.Version is not null)
                {
                    context.Response.Headers[PodRoutes.VersionHeader] = reply.Version;
                }

                await context.Response.Body.WriteAsync(reply.Result, context.RequestAborted).ConfigureAwait(false);
                return;
            }

            failed = !await StreamCallAsync(context, kind, type, method, requestId, body, token, timeout).ConfigureAwait(false);
        }
        finally
        {
            logs.EndOfRequest(requestId);
            metrics.CallEnded(Stopwatch.GetElapsedTime(started), failed);
            if (failed)
            {
                PodTracing.CallFailed(null);
            }
        }
    }

    // NDJSON: {"type":"log",...} lines while the call runs, then one {"type":"result",...} or {"type":"error",...}.
    private async Task<bool> StreamCallAsync(HttpContext context, CallKind kind, string type, string method, string requestId, ReadOnlyMemory<byte> body, CancellationToken token, CancellationTokenSource? timeout)
    {
        // The worker's reader hands lines over on its own thread; the one writer of the stream writes and acknowledges them.
        var takesItems = context.Request.Headers[PodRoutes.StreamHeader].ToString() == PodRoutes.StreamItems;
        var output = new StreamedOutput(takesItems);
        var stream = NdJsonWriter.Start(context);
        var pump = Task.Run(() => output.PumpAsync(stream));

        WorkerReply reply;
        try
        {
            reply = await supervisor.CallAsync(kind, type, method, requestId, body, output.Sink, token, timeout?.Token ?? default).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true)
        {
            reply = new WorkerReply(default, errors.Envelope(TimedOut(), context));
        }
        catch (RuntimeError error)
        {
            reply = new WorkerReply(default, errors.Envelope(error, context));
        }
        catch
        {
            output.Complete(); // the caller left (a stream it stopped reading): the pump ends, nothing is left waiting
            throw;
        }

        output.Complete();
        await pump.ConfigureAwait(false);
        if (reply.Error is { } failure)
        {
            await stream.WriteAsync(new CallStreamLine { Type = PodEvents.CallError, Error = errors.Stamp(failure, context) }, PodJsonContext.Default.CallStreamLine).ConfigureAwait(false);
        }
        else
        {
            await stream.WriteWithRawMemberAsync(new CallStreamLine { Type = PodEvents.CallResult, Version = reply.Version }, PodJsonContext.Default.CallStreamLine, "value"u8, reply.Result).ConfigureAwait(false);
        }

        return reply.Ok;
    }

    private static CancellationTokenSource? TimeoutSource(HttpContext context)
    {
        var header = context.Request.Headers[PodRoutes.TimeoutHeader].ToString();
        if (header.Length == 0)
        {
            return null;
        }

        if (!int.TryParse(header, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms) || ms <= 0)
        {
            throw new RuntimeError(RuntimeErrorCodes.MalformedRequest, 400, "X-Kt-Timeout-Ms must be a positive integer.");
        }

        return new CancellationTokenSource(ms);
    }

    // A call's task ends as soon as its token is cancelled (WorkerHandle.CallAsync); by the timeout, that is a 504.
    private static RuntimeError TimedOut() =>
        new(RuntimeErrorCodes.CallTimeout, 504, "The call did not finish within X-Kt-Timeout-Ms; it was cancelled.");
}
