using System.Globalization;
using Kt.Core;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// The cluster properties and items of a csproj. <see cref="Properties"/> holds the scalar ones by csproj name
/// (<c>KtGpuType</c>, <c>KtLaunchTimeout</c>, …: the targets list them as <c>_KtClusterProperty</c> items, so a new
/// property needs no task parameter); the lists are the items whose Include names the thing.
/// </summary>
internal sealed record ClusterInputs
{
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<ITaskItem> NodeSelectors { get; init; } = [];
    public IReadOnlyList<ITaskItem> Labels { get; init; } = [];
    public IReadOnlyList<ITaskItem> Annotations { get; init; } = [];
    public IReadOnlyList<ITaskItem> Tolerations { get; init; } = [];
    public IReadOnlyList<ITaskItem> Secrets { get; init; } = [];
    public IReadOnlyList<ITaskItem> Volumes { get; init; } = [];
    public IReadOnlyList<ITaskItem> Autoscale { get; init; } = [];
    public IReadOnlyList<ITaskItem> Distribute { get; init; } = [];

    /// <summary>The property's value, trimmed; null when it is not set.</summary>
    public string? Property(string name) => Properties.GetValueOrDefault(name) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}

/// <summary>
/// Parses the cluster inputs into the typed <see cref="ClusterDeclaration"/>: the only place that reads the csproj's
/// cluster items and metadata, so the errors that name an item (KtVolume, KtSecret, KtAutoscale…) are raised here, at
/// the build, with the codes the Kubernetes docs list (KT5004, KT5005, KT5010, KT5012). Null when nothing is declared.
/// </summary>
internal static class ClusterFromItems
{
    /// <param name="replicas">KtReplicas: a distribution's size when its item names no Workers.</param>
    public static ClusterDeclaration? Create(ClusterInputs inputs, int replicas)
    {
        var declared = inputs.Properties.Values.Any(v => !string.IsNullOrWhiteSpace(v))
            || new[] { inputs.NodeSelectors, inputs.Labels, inputs.Annotations, inputs.Tolerations, inputs.Secrets, inputs.Volumes, inputs.Autoscale, inputs.Distribute }.Any(items => items.Count > 0);
        if (!declared)
        {
            return null;
        }

        return new ClusterDeclaration
        {
            GpuType = inputs.Property("KtGpuType"),
            Disk = inputs.Property("KtDisk"),
            CpusLimit = inputs.Property("KtCpusLimit"),
            MemoryLimit = inputs.Property("KtMemoryLimit"),
            SharedMemory = inputs.Property("KtSharedMemory"),
            LaunchTimeout = inputs.Property("KtLaunchTimeout") is { } launch ? DurationText.Parse(launch, "KtLaunchTimeout") : null,
            ServiceAccount = inputs.Property("KtServiceAccount"),
            PriorityClass = inputs.Property("KtPriorityClass"),
            InactivityTtl = inputs.Property("KtInactivityTtl") is { } ttl ? DurationText.Parse(ttl, "KtInactivityTtl") : null,
            Queue = inputs.Property("KtQueue"),
            NodeSelector = Pairs(inputs.NodeSelectors),
            Labels = Pairs(inputs.Labels),
            Annotations = Pairs(inputs.Annotations),
            Tolerations = inputs.Tolerations.Select(Toleration).ToList(),
            Secrets = inputs.Secrets.Select(Secret).ToList(),
            Volumes = inputs.Volumes.Select(Volume).ToList(),
            Autoscale = Single(inputs.Autoscale, "KtAutoscale") is { } autoscale ? Autoscaling(autoscale) : null,
            Distribute = Single(inputs.Distribute, "KtDistribute") is { } distribute ? Distribution(distribute, replicas) : null,
            ImagePullPolicy = inputs.Property("KtImagePullPolicy") is { } pull
                ? Enum.TryParse<ImagePullPolicy>(pull, ignoreCase: true, out var policy) && Enum.IsDefined(policy) ? policy
                    : throw new KtException("KT6014", $"KtImagePullPolicy is '{pull}'; use Always, IfNotPresent or Never.")
                : null,
            GpuAntiAffinity = Bool(inputs.Property("KtGpuAntiAffinity"), "KtGpuAntiAffinity"),
        };
    }

    private static Dictionary<string, string> Pairs(IReadOnlyList<ITaskItem> items) =>
        items.ToDictionary(i => i.ItemSpec.Trim(), i => i.GetMetadata("Value"), StringComparer.Ordinal);

    private static TolerationSpec Toleration(ITaskItem item) =>
        new(item.ItemSpec.Trim(), Metadata(item, "Value"), Metadata(item, "Effect"), Metadata(item, "Operator"));

    private static SecretMount Secret(ITaskItem item)
    {
        var name = item.ItemSpec.Trim();
        return new SecretMount(
            name,
            Metadata(item, "Mode")?.ToLowerInvariant() switch
            {
                null or "env" or "environment" => SecretMode.Environment,
                "volume" or "file" or "files" => SecretMode.Volume,
                var other => throw new KtException("KT5012", $"KtSecret '{name}' Mode is '{other}'; use env or volume."),
            },
            Metadata(item, "MountPath"));
    }

    private static PvcVolume Volume(ITaskItem item)
    {
        var claim = item.ItemSpec.Trim();
        return new PvcVolume(
            claim,
            Metadata(item, "MountPath") ?? throw new KtException("KT5012", $"KtVolume '{claim}' needs a MountPath."),
            Bool(Metadata(item, "ReadOnly"), $"KtVolume '{claim}' ReadOnly"));
    }

    /// <summary>The <c>KtAutoscale</c> item: Include is the autoscaler class (<c>knative</c> for Knative's default).</summary>
    private static Autoscale Autoscaling(ITaskItem item)
    {
        var kind = item.ItemSpec.Trim();
        return new Autoscale(
            Min: Int(Metadata(item, "Min"), "KtAutoscale Min"),
            Max: Int(Metadata(item, "Max"), "KtAutoscale Max"),
            Initial: Int(Metadata(item, "Initial"), "KtAutoscale Initial"),
            // "Target" is reserved item metadata in MSBuild (MSB4066): the per-pod target is TargetPerPod.
            Target: Metadata(item, "TargetPerPod") is { } target
                ? double.TryParse(target, NumberStyles.Float, CultureInfo.InvariantCulture, out var t) ? t : throw new KtException("KT5005", $"KtAutoscale TargetPerPod '{target}' is not a number.")
                : null,
            Metric: Metadata(item, "Metric"),
            Window: Duration(item, "Window"),
            Class: kind is "knative" or "default" ? null : kind,
            TargetUtilization: Int(Metadata(item, "TargetUtilization"), "KtAutoscale TargetUtilization"),
            ScaleDownDelay: Duration(item, "ScaleDownDelay"),
            ScaleToZeroRetention: Duration(item, "ScaleToZeroRetention"),
            ProgressDeadline: Duration(item, "ProgressDeadline"),
            ContainerConcurrency: Int(Metadata(item, "ContainerConcurrency"), "KtAutoscale ContainerConcurrency"));
    }

    /// <summary>The <c>KtDistribute</c> item: Include is the kind (ray or spmd); Workers defaults to KtReplicas.</summary>
    private static Distribute Distribution(ITaskItem item, int replicas) =>
        Kt.Core.Distribute.Of(item.ItemSpec.Trim(), Int(Metadata(item, "Workers"), "KtDistribute Workers") ?? replicas) with
        {
            MasterPort = Int(Metadata(item, "MasterPort"), "KtDistribute MasterPort") ?? 29500,
        };

    private static ITaskItem? Single(IReadOnlyList<ITaskItem> items, string itemName) => items.Count switch
    {
        0 => null,
        1 => items[0],
        _ => throw new KtException(MSBuildErrors.DuplicateClusterItem, $"{items.Count} {itemName} items; a service has at most one."),
    };

    /// <summary>An item's metadata by name (MSBuild's are case-insensitive), trimmed; null when blank.</summary>
    private static string? Metadata(ITaskItem item, string name) => item.GetMetadata(name) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static TimeSpan? Duration(ITaskItem item, string name) =>
        Metadata(item, name) is { } text ? DurationText.Parse(text, $"KtAutoscale {name}") : null;

    private static int? Int(string? text, string what) =>
        text is null ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new KtException("KT5004", $"{what} is '{text}', not a whole number.");

    private static bool Bool(string? text, string what) => text?.ToLowerInvariant() switch
    {
        null or "false" => false,
        "true" => true,
        _ => throw new KtException("KT5004", $"{what} is '{text}'; use true or false."),
    };
}
