using Kt.Core;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>The cluster properties and items of a csproj (<c>KtGpuType</c>, <c>KtSecret</c>, <c>KtAutoscale</c>, …).</summary>
internal sealed record ClusterInputs
{
    public string? GpuType { get; init; }
    public string? Disk { get; init; }
    public string? CpusLimit { get; init; }
    public string? MemoryLimit { get; init; }
    public string? SharedMemory { get; init; }
    public string? LaunchTimeout { get; init; }
    public string? ServiceAccount { get; init; }
    public string? PriorityClass { get; init; }
    public string? InactivityTtl { get; init; }
    public string? Queue { get; init; }
    public IReadOnlyList<ITaskItem> NodeSelectors { get; init; } = [];
    public IReadOnlyList<ITaskItem> Labels { get; init; } = [];
    public IReadOnlyList<ITaskItem> Annotations { get; init; } = [];
    public IReadOnlyList<ITaskItem> Tolerations { get; init; } = [];
    public IReadOnlyList<ITaskItem> Secrets { get; init; } = [];
    public IReadOnlyList<ITaskItem> Volumes { get; init; } = [];
    public IReadOnlyList<ITaskItem> Autoscale { get; init; } = [];
    public IReadOnlyList<ITaskItem> Distribute { get; init; } = [];
}

/// <summary>
/// Maps the cluster inputs to the neutral <see cref="ClusterDeclaration"/>: each item's Include is its name (the label
/// key, the secret, the claim, the autoscaler or distribution kind) and its metadata its settings, lower-camel-cased.
/// Values stay strings; the Kubernetes library parses them. Null when nothing is declared.
/// </summary>
internal static class ClusterFromItems
{
    public static ClusterDeclaration? Create(ClusterInputs inputs)
    {
        var declaration = new ClusterDeclaration
        {
            GpuType = Blank(inputs.GpuType),
            Disk = Blank(inputs.Disk),
            CpusLimit = Blank(inputs.CpusLimit),
            MemoryLimit = Blank(inputs.MemoryLimit),
            SharedMemory = Blank(inputs.SharedMemory),
            LaunchTimeout = Blank(inputs.LaunchTimeout),
            ServiceAccount = Blank(inputs.ServiceAccount),
            PriorityClass = Blank(inputs.PriorityClass),
            InactivityTtl = Blank(inputs.InactivityTtl),
            Queue = Blank(inputs.Queue),
            NodeSelector = Pairs(inputs.NodeSelectors),
            Labels = Pairs(inputs.Labels),
            Annotations = Pairs(inputs.Annotations),
            Tolerations = inputs.Tolerations.Select(i => Settings(i, "key")).ToList(),
            Secrets = inputs.Secrets.Select(i => Settings(i, "name")).ToList(),
            Volumes = inputs.Volumes.Select(i => Settings(i, "claim")).ToList(),
            Autoscale = Single(inputs.Autoscale, "KtAutoscale", "class"),
            Distribute = Single(inputs.Distribute, "KtDistribute", "kind"),
        };
        var declared = new[] { declaration.GpuType, declaration.Disk, declaration.CpusLimit, declaration.MemoryLimit, declaration.SharedMemory,
                declaration.LaunchTimeout, declaration.ServiceAccount, declaration.PriorityClass, declaration.InactivityTtl, declaration.Queue }.Any(v => v is not null)
            || declaration.NodeSelector.Count + declaration.Labels.Count + declaration.Annotations.Count
                + declaration.Tolerations.Count + declaration.Secrets.Count + declaration.Volumes.Count > 0
            || declaration.Autoscale is not null || declaration.Distribute is not null;
        return declared ? declaration : null;
    }

    private static Dictionary<string, string> Pairs(IReadOnlyList<ITaskItem> items) =>
        items.ToDictionary(i => i.ItemSpec.Trim(), i => i.GetMetadata("Value"), StringComparer.Ordinal);

    /// <summary>The item's own metadata (not MSBuild's well-known ones), names lower-camel-cased, plus its Include under <paramref name="includeName"/>.</summary>
    private static Dictionary<string, string> Settings(ITaskItem item, string includeName)
    {
        var settings = DefinitionFromItems.OwnMetadata(item)
            .ToDictionary(kv => char.ToLowerInvariant(kv.Key[0]) + kv.Key[1..], kv => kv.Value, StringComparer.Ordinal);
        settings[includeName] = item.ItemSpec.Trim();
        return settings;
    }

    private static Dictionary<string, string>? Single(IReadOnlyList<ITaskItem> items, string itemName, string includeName) => items.Count switch
    {
        0 => null,
        1 => Settings(items[0], includeName),
        _ => throw new KtException(MSBuildErrors.DuplicateClusterItem, $"{items.Count} {itemName} items; a service has at most one."),
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
