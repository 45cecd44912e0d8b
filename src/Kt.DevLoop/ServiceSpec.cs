namespace Kt.DevLoop;

/// <summary>
/// What a backend must run for a service (Kubetorch's Compute, minus the image steps, which the deployer applies):
/// how many replicas, on which base image, with which resources.
/// </summary>
public sealed record ServiceSpec
{
    public required string Service { get; init; }

    public int Replicas { get; init; } = 1;

    /// <summary>The image pods start from (docker backend); the process backend runs on this machine instead.</summary>
    public string? BaseImage { get; init; }

    /// <summary>CPU limit, Kubernetes quantity syntax (<c>2</c>, <c>500m</c>).</summary>
    public string? Cpus { get; init; }

    /// <summary>Memory limit, Kubernetes quantity syntax (<c>4Gi</c>, <c>512Mi</c>).</summary>
    public string? Memory { get; init; }

    public int Gpus { get; init; }

    /// <summary>Lets the process backend run steps that change this machine (apt, pip, file copies to absolute paths).</summary>
    public bool AllowHostSetup { get; init; }

    /// <summary>
    /// The OTLP endpoint the pods' runtime and worker export to (KtOtlpEndpoint), by default the deploying process's own
    /// OTEL_EXPORTER_OTLP_ENDPOINT: set on the client, a call is traced end to end with no other setting.
    /// </summary>
    public string? OtlpEndpoint { get; init; } = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } endpoint ? endpoint : null;

    /// <summary>OTEL_EXPORTER_OTLP_PROTOCOL for the pods, by default the deploying process's own.</summary>
    public string? OtlpProtocol { get; init; } = Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_PROTOCOL") is { Length: > 0 } protocol ? protocol : null;

    /// <summary>Refuses what no backend could run (KT7001; a bad name is <see cref="ServiceNames.InvalidCode"/>), naming the property at fault.</summary>
    public ServiceSpec Validate()
    {
        ServiceNames.Check(Service);
        if (Replicas is < 1 or > 64)
        {
            throw new KtException(DevLoopErrors.InvalidService, $"KtReplicas is {Replicas}; a service has 1 to 64 replicas.");
        }

        if (Gpus < 0)
        {
            throw new KtException(DevLoopErrors.InvalidService, $"KtGpus is {Gpus}; it cannot be negative.");
        }

        _ = Quantities.Cpus(Cpus, "KtCpus");
        _ = Quantities.Bytes(Memory, "KtMemory");
        return this;
    }
}
