using System.Globalization;
using Kt.Core;
using Kt.Kubernetes.Rendering;

namespace Kt.Kubernetes.Model;

/// <summary>
/// The Compute a project declared in its csproj (<c>kt.definition.json</c>) for one image: resources and replicas,
/// plus the cluster side (<see cref="ClusterDeclaration"/>) parsed here; what parses is then validated as every
/// Compute is (<see cref="ComputeValidator"/>, KT50xx).
/// </summary>
public static class ProjectCompute
{
    public static Compute From(ProjectDefinition project, string image)
    {
        ArgumentNullException.ThrowIfNull(project);
        var declared = project.Compute;
        var compute = new Compute
        {
            ServiceName = project.Service,
            Namespace = declared.Namespace,
            Image = image,
            Cpus = declared.Cpus,
            Memory = declared.Memory,
            Gpus = declared.Gpus,
            Replicas = declared.Replicas,
        };
        return declared.Cluster is { } cluster ? WithCluster(compute, cluster) : compute;
    }

    /// <summary>Adds what a project declared for the cluster to a Compute (a distribution's size defaults to the replicas).</summary>
    public static Compute WithCluster(Compute compute, ClusterDeclaration cluster) => compute with
    {
        GpuType = cluster.GpuType,
        Disk = cluster.Disk,
        CpusLimit = cluster.CpusLimit,
        MemoryLimit = cluster.MemoryLimit,
        SharedMemorySize = cluster.SharedMemory,
        LaunchTimeout = cluster.LaunchTimeout is { } launch ? Durations.Parse(launch, "KtLaunchTimeout") : compute.LaunchTimeout,
        ServiceAccount = cluster.ServiceAccount,
        PriorityClass = cluster.PriorityClass,
        InactivityTtl = cluster.InactivityTtl is { } ttl ? Durations.Parse(ttl, "KtInactivityTtl") : null,
        QueueName = cluster.Queue,
        NodeSelector = cluster.NodeSelector,
        Labels = cluster.Labels,
        Annotations = cluster.Annotations,
        Tolerations = cluster.Tolerations
            .Select(t => new TolerationSpec(t["key"], t.GetValueOrDefault("value"), t.GetValueOrDefault("effect"), t.GetValueOrDefault("operator")))
            .ToList(),
        Secrets = cluster.Secrets.Select(Secret).ToList(),
        Volumes = cluster.Volumes
            .Select(v => new PvcVolume(v["claim"], v.GetValueOrDefault("mountPath") ?? throw Invalid("KT5012", $"KtVolume '{v["claim"]}' needs a MountPath."),
                Bool(v.GetValueOrDefault("readOnly"), $"KtVolume '{v["claim"]}' ReadOnly")))
            .ToList(),
        Autoscale = cluster.Autoscale is { } autoscale ? Autoscaling(autoscale) : null,
        Distribute = cluster.Distribute is { } distribute
            ? Distribute.Of(distribute["kind"], Int(distribute.GetValueOrDefault("workers"), "KtDistribute Workers") ?? compute.Replicas) with
            {
                MasterPort = Int(distribute.GetValueOrDefault("masterPort"), "KtDistribute MasterPort") ?? 29500,
            }
            : null,
    };

    private static SecretMount Secret(IReadOnlyDictionary<string, string> secret) => new(
        secret["name"],
        secret.GetValueOrDefault("mode")?.ToLowerInvariant() switch
        {
            null or "" or "env" or "environment" => SecretMode.Environment,
            "volume" or "file" or "files" => SecretMode.Volume,
            var other => throw Invalid("KT5012", $"KtSecret '{secret["name"]}' Mode is '{other}'; use env or volume."),
        },
        secret.GetValueOrDefault("mountPath") is { Length: > 0 } path ? path : null);

    /// <summary>The <c>KtAutoscale</c> item: Include is the autoscaler class (<c>knative</c> for Knative's default).</summary>
    private static Autoscale Autoscaling(IReadOnlyDictionary<string, string> settings)
    {
        var kind = settings["class"];
        return new Autoscale(
            Min: Int(settings.GetValueOrDefault("min"), "KtAutoscale Min"),
            Max: Int(settings.GetValueOrDefault("max"), "KtAutoscale Max"),
            Initial: Int(settings.GetValueOrDefault("initial"), "KtAutoscale Initial"),
            // "Target" is reserved item metadata in MSBuild (MSB4066): the per-pod target is TargetPerPod.
            Target: settings.GetValueOrDefault("targetPerPod") is { Length: > 0 } target
                ? double.TryParse(target, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? t : throw Invalid("KT5005", $"KtAutoscale TargetPerPod '{target}' is not a number.")
                : null,
            Metric: settings.GetValueOrDefault("metric"),
            Window: Duration(settings, "window"),
            Class: kind is "knative" or "default" ? null : kind,
            TargetUtilization: Int(settings.GetValueOrDefault("targetUtilization"), "KtAutoscale TargetUtilization"),
            ScaleDownDelay: Duration(settings, "scaleDownDelay"),
            ScaleToZeroRetention: Duration(settings, "scaleToZeroRetention"),
            ProgressDeadline: Duration(settings, "progressDeadline"),
            ContainerConcurrency: Int(settings.GetValueOrDefault("containerConcurrency"), "KtAutoscale ContainerConcurrency"));
    }

    private static TimeSpan? Duration(IReadOnlyDictionary<string, string> settings, string name) =>
        settings.GetValueOrDefault(name) is { Length: > 0 } text ? Durations.Parse(text, $"KtAutoscale {char.ToUpperInvariant(name[0])}{name[1..]}") : null;

    private static int? Int(string? text, string what) =>
        string.IsNullOrWhiteSpace(text) ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw Invalid("KT5004", $"{what} is '{text}', not a whole number.");

    private static bool Bool(string? text, string what) => text?.ToLowerInvariant() switch
    {
        null or "" or "false" => false,
        "true" => true,
        _ => throw Invalid("KT5004", $"{what} is '{text}'; use true or false."),
    };

    private static KtException Invalid(string code, string message) => new(code, message);
}
