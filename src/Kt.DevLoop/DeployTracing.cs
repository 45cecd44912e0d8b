using System.Diagnostics;
using Kt.Telemetry;

namespace Kt.DevLoop;

/// <summary>
/// A deploy as one trace (<see cref="KtTelemetryNames.Deploy"/>): the deploy's span, one span per phase (pods, setup,
/// sync, ready) under it, and, through the <c>traceparent</c> the pod client sends, the pods' own spans of the setup
/// steps, the version's assembly and the worker's reload under the phase that asked for them. Off (no exporter in this
/// process, no listener), nothing is created.
/// </summary>
internal sealed class DeployTracing : IDisposable
{
    private static readonly ActivitySource Source = new(KtTelemetryNames.Deploy);
    private readonly Activity? _deploy;
    private Activity? _phase;

    public DeployTracing(string service)
    {
        // The export (when an OTLP endpoint is set) starts before the deploy's span, so that the span has a listener.
        Kt.PodRuntime.Client.PodClient.EnsureTelemetryExport();
        _deploy = Source.HasListeners() ? Source.StartActivity("deploy " + service) : null;
        _deploy?.SetTag("kt.service", service);
    }

    /// <summary>Ends the previous phase's span and starts this one's, current for the requests the phase sends.</summary>
    public void Phase(string name)
    {
        _phase?.Dispose();
        _phase = _deploy is null ? null : Source.StartActivity(name);
    }

    public void Failed(Exception exception)
    {
        foreach (var activity in new[] { _phase, _deploy })
        {
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        }
    }

    public void Dispose()
    {
        _phase?.Dispose();
        _deploy?.Dispose();
    }
}
