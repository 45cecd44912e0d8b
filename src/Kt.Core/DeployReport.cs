namespace Kt.Core;

/// <summary>What a deploy did and how long each phase took (milliseconds, wall clock, all pods in parallel).</summary>
public sealed record DeployReport
{
    public required ServicePods Pods { get; init; }

    /// <summary>The code version every pod serves now.</summary>
    public required string Version { get; init; }

    /// <summary>Setup steps run on the pod that ran the most (every pod usually runs the same).</summary>
    public int StepsRun { get; init; }

    /// <summary>Pods replaced because their setup could not change in place.</summary>
    public int Recreated { get; init; }

    public int Files { get; init; }

    public long Bytes { get; init; }

    /// <summary>Blobs and bytes uploaded, summed over pods (zero when nothing changed).</summary>
    public int UploadedBlobs { get; init; }

    /// <summary>The most files one pod received (what "sync n/files" means; <see cref="UploadedBlobs"/> adds pods up).</summary>
    public int UploadedBlobsPerPod { get; init; }

    public long UploadedBytes { get; init; }

    public required DeployTimings Timings { get; init; }
}

/// <summary>Milliseconds per phase: resolving the definition, finding or creating pods, setup steps, code sync, readiness.</summary>
public sealed record DeployTimings(double Compile, double Pods, double Setup, double Sync, double Ready)
{
    public double Total => Compile + Pods + Setup + Sync + Ready;
}
