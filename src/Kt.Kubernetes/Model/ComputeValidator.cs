using Kt.Core;

namespace Kt.Kubernetes.Model;

/// <summary>Checks a <see cref="Compute"/> before rendering; the first problem is thrown as a <see cref="KtException"/> (KT50xx).</summary>
public static class ComputeValidator
{
    private static readonly string[] Metrics = ["concurrency", "rps", "cpu", "memory"];

    /// <summary>Throws <see cref="KtException"/> with a KT50xx code when <paramref name="compute"/> cannot be rendered.</summary>
    public static void Validate(Compute compute)
    {
        ArgumentNullException.ThrowIfNull(compute);

        if (compute.Autoscale is not null && compute.Distribute is not null)
        {
            throw new KtException("KT5001", $"Service '{compute.ServiceName}': autoscale and distribute cannot be combined; a distributed group has a fixed size.");
        }

        ServiceNames.Check(compute.ServiceName);

        if (!KubernetesSyntax.IsDns1123Label(compute.Namespace))
        {
            throw new KtException("KT5002", $"Namespace '{compute.Namespace}' is not a valid DNS-1123 label.");
        }

        if (string.IsNullOrWhiteSpace(compute.Image))
        {
            throw new KtException("KT5009", $"Service '{compute.ServiceName}': an image reference is required.");
        }

        CheckQuantity("cpus", compute.Cpus);
        CheckQuantity("memory", compute.Memory);
        CheckQuantity("disk", compute.Disk);
        CheckQuantity("cpus limit", compute.CpusLimit);
        CheckQuantity("memory limit", compute.MemoryLimit);
        CheckQuantity("disk limit", compute.DiskLimit);
        CheckQuantity("shared memory size", compute.SharedMemorySize);

        CheckRange("port", compute.Port, 1, 65535);
        CheckRange("gpus", compute.Gpus, 0, int.MaxValue);
        CheckRange("replicas", compute.Replicas, 1, int.MaxValue);
        if (compute.LaunchTimeout <= TimeSpan.Zero)
        {
            throw new KtException("KT5004", $"Launch timeout must be positive (got {compute.LaunchTimeout}).");
        }

        if (compute.InactivityTtl is { } ttl && ttl <= TimeSpan.Zero)
        {
            throw new KtException("KT5004", $"Inactivity TTL must be positive (got {ttl}).");
        }

        if (compute.GpuType is not null && compute.Gpus == 0)
        {
            throw new KtException("KT5004", $"GPU type '{compute.GpuType}' is set but gpus is 0; request at least one GPU.");
        }

        CheckLabels("node selector", compute.NodeSelector);
        CheckLabels("label", compute.Labels);
        foreach (var key in compute.Annotations.Keys)
        {
            if (!KubernetesSyntax.IsQualifiedName(key))
            {
                throw new KtException("KT5006", $"Annotation key '{key}' is not a valid qualified name.");
            }
        }

        if (compute.QueueName is not null && !KubernetesSyntax.IsLabelValue(compute.QueueName))
        {
            throw new KtException("KT5006", $"Queue name '{compute.QueueName}' is not a valid label value.");
        }

        foreach (var toleration in compute.Tolerations)
        {
            if (!KubernetesSyntax.IsQualifiedName(toleration.Key))
            {
                throw new KtException("KT5006", $"Toleration key '{toleration.Key}' is not a valid qualified name.");
            }
        }

        CheckSubdomain("service account", compute.ServiceAccount);
        CheckSubdomain("priority class", compute.PriorityClass);
        foreach (var secret in compute.Secrets)
        {
            CheckSubdomain("secret", secret.SecretName);
            CheckMountPath(secret.MountPath);
        }

        foreach (var volume in compute.Volumes)
        {
            CheckSubdomain("persistent volume claim", volume.ClaimName);
            CheckMountPath(volume.MountPath);
        }

        if (compute.Autoscale is { } autoscale)
        {
            ValidateAutoscale(autoscale);
        }

        if (compute.Distribute is { } distribute)
        {
            CheckRange("distribute workers", distribute.Workers, 1, int.MaxValue);
            CheckRange("master port", distribute.MasterPort, 1, 65535);
            if (distribute.MasterPort == compute.Port)
            {
                throw new KtException("KT5004", $"Master port {distribute.MasterPort} collides with the service port.");
            }
        }
    }

    private static void ValidateAutoscale(Autoscale a)
    {
        CheckRange("autoscale min", a.Min, 0, int.MaxValue);
        CheckRange("autoscale max", a.Max, 0, int.MaxValue);
        CheckRange("autoscale initial", a.Initial, 0, int.MaxValue);
        CheckRange("autoscale target utilization", a.TargetUtilization, 1, 100);
        CheckRange("autoscale container concurrency", a.ContainerConcurrency, 0, int.MaxValue);
        if (a.Max is > 0 && a.Min > a.Max)
        {
            throw new KtException("KT5005", $"Autoscale min ({a.Min}) is greater than max ({a.Max}).");
        }

        if (a.Max is > 0 && a.Initial > a.Max)
        {
            throw new KtException("KT5005", $"Autoscale initial scale ({a.Initial}) is greater than max ({a.Max}).");
        }

        if (a.Target is { } target && (target <= 0 || double.IsNaN(target) || double.IsInfinity(target)))
        {
            throw new KtException("KT5005", $"Autoscale target must be a positive number (got {target}).");
        }

        if (a.Metric is not null && !Metrics.Contains(a.Metric))
        {
            throw new KtException("KT5005", $"Autoscale metric '{a.Metric}' is not one of {string.Join(", ", Metrics)}.");
        }

        if (a.Class is not null && !KubernetesSyntax.IsDns1123Subdomain(a.Class))
        {
            throw new KtException("KT5005", $"Autoscale class '{a.Class}' is not a valid class name (e.g. kpa.autoscaling.knative.dev).");
        }

        if (a.Window is { } window && (window < TimeSpan.FromSeconds(6) || window > TimeSpan.FromHours(1)))
        {
            throw new KtException("KT5005", $"Autoscale window must be between 6s and 1h (got {window}).");
        }

        if (a.ScaleDownDelay is { } delay && (delay < TimeSpan.Zero || delay > TimeSpan.FromHours(1)))
        {
            throw new KtException("KT5005", $"Scale-down delay must be between 0s and 1h (got {delay}).");
        }

        if (a.ScaleToZeroRetention is { } retention && retention < TimeSpan.Zero)
        {
            throw new KtException("KT5005", $"Scale-to-zero retention must not be negative (got {retention}).");
        }

        if (a.ProgressDeadline is { } deadline && deadline <= TimeSpan.Zero)
        {
            throw new KtException("KT5005", $"Progress deadline must be positive (got {deadline}).");
        }
    }

    private static void CheckQuantity(string what, string? value)
    {
        if (value is not null && !KubernetesSyntax.IsPositiveQuantity(value))
        {
            throw new KtException("KT5003", $"The {what} '{value}' is not a positive Kubernetes quantity (examples: \"500m\", \"2\", \"4Gi\").");
        }
    }

    private static void CheckRange(string what, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max))
        {
            throw new KtException("KT5004", max == int.MaxValue
                ? $"The {what} must be at least {min} (got {v})."
                : $"The {what} must be between {min} and {max} (got {v}).");
        }
    }

    private static void CheckLabels(string what, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in labels)
        {
            if (!KubernetesSyntax.IsQualifiedName(key) || !KubernetesSyntax.IsLabelValue(value))
            {
                throw new KtException("KT5006", $"The {what} '{key}={value}' is not a valid Kubernetes label.");
            }
        }
    }

    private static void CheckSubdomain(string what, string? name)
    {
        if (name is not null && !KubernetesSyntax.IsDns1123Subdomain(name))
        {
            throw new KtException("KT5002", $"The {what} name '{name}' is not a valid DNS-1123 subdomain.");
        }
    }

    private static void CheckMountPath(string? path)
    {
        if (path is not null && (!path.StartsWith('/') || path.Contains(':', StringComparison.Ordinal)))
        {
            throw new KtException("KT5012", $"Mount path '{path}' must be absolute and must not contain ':'.");
        }
    }
}
