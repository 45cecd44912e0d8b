namespace Kt.Telemetry;

/// <summary>
/// Whether a process exports telemetry, from the standard OpenTelemetry variables alone. Nothing here touches the
/// OpenTelemetry SDK: a process with no endpoint set decides so without loading any of it.
/// </summary>
public static class OtlpEnvironment
{
    /// <summary>The endpoint of every signal (the SDK appends <c>/v1/traces</c> … for <c>http/protobuf</c>).</summary>
    public const string Endpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary><c>grpc</c> (the SDK's default) or <c>http/protobuf</c>.</summary>
    public const string Protocol = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary><c>true</c> turns every signal off whatever the endpoints say.</summary>
    public const string SdkDisabled = "OTEL_SDK_DISABLED";

    /// <summary>The prefix of every variable the SDK reads: a deploy passes them all on to its pods.</summary>
    public const string Prefix = "OTEL_";

    /// <summary>The signals whose endpoint is set (the common one or the signal's own).</summary>
    public static OtlpSignals Configured(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        if (string.Equals(read(SdkDisabled), "true", StringComparison.OrdinalIgnoreCase))
        {
            return OtlpSignals.None;
        }

        var common = !string.IsNullOrWhiteSpace(read(Endpoint));
        var signals = OtlpSignals.None;
        if (common || !string.IsNullOrWhiteSpace(read("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")))
        {
            signals |= OtlpSignals.Traces;
        }

        if (common || !string.IsNullOrWhiteSpace(read("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")))
        {
            signals |= OtlpSignals.Metrics;
        }

        if (common || !string.IsNullOrWhiteSpace(read("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")))
        {
            signals |= OtlpSignals.Logs;
        }

        return signals;
    }

    /// <summary>Every <c>OTEL_*</c> variable of this process: what a deploy passes on to the pods it starts.</summary>
    public static IReadOnlyDictionary<string, string> Forwarded()
    {
        var variables = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith(Prefix, StringComparison.Ordinal) && entry.Value is string value && value.Length > 0)
            {
                variables[name] = value;
            }
        }

        return variables;
    }
}

/// <summary>Which OpenTelemetry signals a process exports.</summary>
[Flags]
public enum OtlpSignals
{
    /// <summary>Nothing: the SDK is not loaded.</summary>
    None = 0,

    /// <summary>Spans.</summary>
    Traces = 1,

    /// <summary>Instruments of the named meters.</summary>
    Metrics = 2,

    /// <summary>Log records (call output lines).</summary>
    Logs = 4,
}
