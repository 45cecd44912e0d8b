using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;

namespace Kt.Telemetry;

/// <summary>What one process exports: spans of its sources, its meters' instruments, and log records (optional).</summary>
/// <param name="ServiceName">service.name unless OTEL_SERVICE_NAME says otherwise.</param>
/// <param name="Sources">ActivitySource names (<c>*</c> wildcards as the SDK takes them).</param>
/// <param name="Meters">Meter names.</param>
/// <param name="Attributes">Resource attributes added to OTEL_RESOURCE_ATTRIBUTES' (the pod, the service).</param>
public sealed record OtlpScope(
    string ServiceName,
    IReadOnlyList<string> Sources,
    IReadOnlyList<string>? Meters = null,
    IReadOnlyDictionary<string, object>? Attributes = null);

/// <summary>A running export: disposing it flushes what is buffered and stops it.</summary>
public interface IOtlpExport : IDisposable
{
    /// <summary>A logger whose records go out as OTLP logs, tied to the span current when they are written; null when logs are not exported.</summary>
    ILogger? CreateLogger(string category);
}

/// <summary>
/// Starts the OpenTelemetry SDK with OTLP exporters when the standard variables name an endpoint. The check is made
/// before anything of the SDK is touched: the SDK's types are referenced only by <see cref="OtlpExportSession"/>,
/// which the runtime loads (with the SDK's assemblies) only when that check says yes.
/// </summary>
public static class OtlpExport
{
    /// <summary>The running export, or null (and nothing of the SDK loaded) when no endpoint is set.</summary>
    public static IOtlpExport? StartIfConfigured(OtlpScope scope)
    {
        ArgumentNullException.ThrowIfNull(scope);
        var signals = OtlpEnvironment.Configured();
        return signals == OtlpSignals.None ? null : Start(scope, signals);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IOtlpExport Start(OtlpScope scope, OtlpSignals signals) => new OtlpExportSession(scope, signals);
}
