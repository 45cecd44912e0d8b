using Kt.PodRuntime.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kt.PodRuntime.Hosting.Endpoints;

/// <summary><c>GET /logs</c>: the retained call output as NDJSON, optionally of one request, optionally followed live.</summary>
internal sealed class LogEndpoints(LogHub logs) : IEndpointGroup
{
    public void Map(IEndpointRouteBuilder routes) => routes.MapGet(PodRoutes.Logs, FollowLogsAsync);

    private async Task FollowLogsAsync(HttpContext context)
    {
        var requestId = context.Request.Query["requestId"].ToString();
        var follow = context.Request.Query["follow"].ToString() is "1" or "true";
        var filter = requestId.Length == 0 ? null : requestId;
        var (history, live, unsubscribe) = logs.Subscribe(filter, follow);
        try
        {
            var stream = NdJsonWriter.Start(context);
            var seen = 0L;
            foreach (var record in history)
            {
                seen = record.Sequence;
                await WriteAsync(stream, record, flush: false).ConfigureAwait(false);
                if (record.End && filter is not null)
                {
                    return;
                }
            }

            await stream.FlushAsync().ConfigureAwait(false);
            if (live is null)
            {
                return;
            }

            await foreach (var record in live.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
            {
                if (record.Sequence <= seen || (filter is not null && record.RequestId != filter))
                {
                    continue;
                }

                await WriteAsync(stream, record, flush: live.Count == 0).ConfigureAwait(false);
                if (stream.ClientGone || (record.End && filter is not null))
                {
                    return;
                }
            }
        }
        finally
        {
            unsubscribe();
        }
    }

    private static ValueTask WriteAsync(NdJsonWriter stream, LogHub.LogRecord record, bool flush) =>
        stream.WriteAsync(record.End
            ? new LogLine(record.Sequence, record.RequestId, null, null, true)
            : new LogLine(record.Sequence, record.RequestId, record.Stream, record.Line, false), PodJsonContext.Default.LogLine, flush);
}
