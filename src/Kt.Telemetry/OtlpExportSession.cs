using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Kt.Telemetry;

/// <summary>
/// The SDK's providers for one process. The exporters read the standard variables themselves (endpoint, protocol,
/// headers, timeouts, batch delays), so whatever a collector or the Aspire dashboard documents works unchanged.
/// </summary>
internal sealed class OtlpExportSession : IOtlpExport
{
    private readonly TracerProvider? _tracer;
    private readonly MeterProvider? _meter;
    private readonly ILoggerFactory? _logs;

    public OtlpExportSession(OtlpScope scope, OtlpSignals signals)
    {
        if (signals.HasFlag(OtlpSignals.Traces))
        {
            _tracer = Sdk.CreateTracerProviderBuilder()
                .ConfigureResource(resource => Describe(resource, scope))
                .AddSource([.. scope.Sources])
                .AddOtlpExporter()
                .Build();
        }

        if (signals.HasFlag(OtlpSignals.Metrics) && scope.Meters is { Count: > 0 } meters)
        {
            _meter = Sdk.CreateMeterProviderBuilder()
                .ConfigureResource(resource => Describe(resource, scope))
                .AddMeter([.. meters])
                .AddOtlpExporter()
                .Build();
        }

        if (signals.HasFlag(OtlpSignals.Logs))
        {
            _logs = LoggerFactory.Create(logging => logging.AddOpenTelemetry(options =>
            {
                options.SetResourceBuilder(Describe(ResourceBuilder.CreateDefault(), scope));
                options.IncludeFormattedMessage = true;
                options.AddOtlpExporter();
            }));
        }
    }

    public ILogger? CreateLogger(string category) => _logs?.CreateLogger(category);

    public void Dispose()
    {
        // Disposing a provider flushes its batch: a process that ends right after still delivers its last spans.
        _tracer?.Dispose();
        _meter?.Dispose();
        _logs?.Dispose();
    }

    private static ResourceBuilder Describe(ResourceBuilder resource, OtlpScope scope)
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME")))
        {
            resource.AddService(scope.ServiceName);
        }

        if (scope.Attributes is { Count: > 0 } attributes)
        {
            resource.AddAttributes(attributes);
        }

        return resource;
    }
}
