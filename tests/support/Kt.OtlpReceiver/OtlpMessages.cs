using Google.Protobuf;

namespace Kt.OtlpReceiver;

/// <summary>A span as it arrived: ids in lowercase hex (the parent empty for a root), its scope and its resource.</summary>
public sealed record ReceivedSpan(
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    int Kind,
    string Scope,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> Resource,
    int StatusCode,
    string StatusMessage)
{
    public string ServiceName => Resource.TryGetValue("service.name", out var name) ? name : "";

    /// <summary>span.kind values of opentelemetry-proto: 1 internal, 2 server, 3 client.</summary>
    public const int Internal = 1, Server = 2, Client = 3;

    /// <summary>status.code 2: error.</summary>
    public const int Error = 2;
}

/// <summary>A log record as it arrived, with the span it is tied to (empty ids when none).</summary>
public sealed record ReceivedLog(string TraceId, string SpanId, string Body, string Scope, IReadOnlyDictionary<string, string> Attributes, IReadOnlyDictionary<string, string> Resource);

/// <summary>A metric's name with its meter (the instrumentation scope) and resource.</summary>
public sealed record ReceivedMetric(string Name, string Scope, IReadOnlyDictionary<string, string> Resource);

/// <summary>Decodes ExportTraceServiceRequest, ExportLogsServiceRequest and ExportMetricsServiceRequest (field numbers of opentelemetry-proto v1).</summary>
internal static class OtlpMessages
{
    public static IEnumerable<ReceivedSpan> Spans(ByteString request)
    {
        // ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
        foreach (var resourceSpans in Nested(request, 1))
        {
            // ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
            var resource = Resource(resourceSpans);
            foreach (var scopeSpans in Nested(resourceSpans, 2))
            {
                // ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
                var scope = ScopeName(scopeSpans);
                foreach (var span in Nested(scopeSpans, 2))
                {
                    yield return Span(span, scope, resource);
                }
            }
        }
    }

    public static IEnumerable<ReceivedLog> Logs(ByteString request)
    {
        // ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; } → ScopeLogs = 2 → LogRecord log_records = 2
        foreach (var resourceLogs in Nested(request, 1))
        {
            var resource = Resource(resourceLogs);
            foreach (var scopeLogs in Nested(resourceLogs, 2))
            {
                var scope = ScopeName(scopeLogs);
                foreach (var record in Nested(scopeLogs, 2))
                {
                    // LogRecord { AnyValue body = 5; repeated KeyValue attributes = 6; bytes trace_id = 9; bytes span_id = 10; }
                    string traceId = "", spanId = "", body = "";
                    var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var field in WireField.Read(record))
                    {
                        switch (field.Number)
                        {
                            case 5: body = AnyValue(field.Bytes!); break;
                            case 6: AddKeyValue(attributes, field.Bytes!); break;
                            case 9: traceId = field.Hex; break;
                            case 10: spanId = field.Hex; break;
                        }
                    }

                    yield return new ReceivedLog(traceId, spanId, body, scope, attributes, resource);
                }
            }
        }
    }

    public static IEnumerable<ReceivedMetric> Metrics(ByteString request)
    {
        // ExportMetricsServiceRequest { repeated ResourceMetrics = 1 } → ScopeMetrics = 2 → Metric metrics = 2 { string name = 1; }
        foreach (var resourceMetrics in Nested(request, 1))
        {
            var resource = Resource(resourceMetrics);
            foreach (var scopeMetrics in Nested(resourceMetrics, 2))
            {
                var scope = ScopeName(scopeMetrics);
                foreach (var metric in Nested(scopeMetrics, 2))
                {
                    yield return new ReceivedMetric(WireField.Read(metric).FirstOrDefault(f => f.Number == 1).Text, scope, resource);
                }
            }
        }
    }

    private static ReceivedSpan Span(ByteString span, string scope, IReadOnlyDictionary<string, string> resource)
    {
        // Span { bytes trace_id = 1; bytes span_id = 2; bytes parent_span_id = 4; string name = 5; SpanKind kind = 6;
        //        repeated KeyValue attributes = 9; Status status = 15 { string message = 2; StatusCode code = 3; } }
        string traceId = "", spanId = "", parent = "", name = "", statusMessage = "";
        int kind = 0, statusCode = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in WireField.Read(span))
        {
            switch (field.Number)
            {
                case 1: traceId = field.Hex; break;
                case 2: spanId = field.Hex; break;
                case 4: parent = field.Hex; break;
                case 5: name = field.Text; break;
                case 6: kind = (int)field.Scalar; break;
                case 9: AddKeyValue(attributes, field.Bytes!); break;
                case 15:
                    foreach (var status in WireField.Read(field.Bytes!))
                    {
                        if (status.Number == 2)
                        {
                            statusMessage = status.Text;
                        }
                        else if (status.Number == 3)
                        {
                            statusCode = (int)status.Scalar;
                        }
                    }

                    break;
            }
        }

        return new ReceivedSpan(traceId, spanId, parent, name, kind, scope, attributes, resource, statusCode, statusMessage);
    }

    // Resource { repeated KeyValue attributes = 1; } at field 1 of ResourceSpans / ResourceLogs / ResourceMetrics.
    private static Dictionary<string, string> Resource(ByteString container)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in Nested(container, 1))
        {
            foreach (var keyValue in Nested(resource, 1))
            {
                AddKeyValue(attributes, keyValue);
            }
        }

        return attributes;
    }

    // InstrumentationScope { string name = 1; } at field 1 of ScopeSpans / ScopeLogs / ScopeMetrics.
    private static string ScopeName(ByteString container) =>
        Nested(container, 1).Select(scope => WireField.Read(scope).FirstOrDefault(f => f.Number == 1).Text).FirstOrDefault() ?? "";

    // KeyValue { string key = 1; AnyValue value = 2; }
    private static void AddKeyValue(Dictionary<string, string> into, ByteString keyValue)
    {
        string key = "", value = "";
        foreach (var field in WireField.Read(keyValue))
        {
            if (field.Number == 1)
            {
                key = field.Text;
            }
            else if (field.Number == 2)
            {
                value = AnyValue(field.Bytes!);
            }
        }

        into[key] = value;
    }

    // AnyValue { oneof { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; … } }
    private static string AnyValue(ByteString value)
    {
        foreach (var field in WireField.Read(value))
        {
            switch (field.Number)
            {
                case 1: return field.Text;
                case 2: return field.Scalar != 0 ? "true" : "false";
                case 3: return ((long)field.Scalar).ToString(System.Globalization.CultureInfo.InvariantCulture);
                case 4: return BitConverter.UInt64BitsToDouble(field.Scalar).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return "";
    }

    private static IEnumerable<ByteString> Nested(ByteString message, int number) =>
        WireField.Read(message).Where(f => f.Number == number && f.Bytes is not null).Select(f => f.Bytes!);
}
