using System.Globalization;
using Kt.Core;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

internal sealed record DefinitionInputs(
    string Service,
    string? BaseImage,
    string? BaseDockerfile,
    IReadOnlyList<ITaskItem> Setup,
    IReadOnlyList<ITaskItem> ContainerEnvironmentVariables,
    string? ContainerWorkingDirectory,
    string? ContainerUser,
    string? EntryAssembly,
    string? Backend,
    string? Cpus,
    string? Memory,
    string? Gpus,
    string? Replicas,
    string? Namespace,
    string? AllowHostSetup,
    ClusterInputs? Cluster = null,
    ImageInputs? Image = null,
    string? OtlpEndpoint = null);

/// <summary>The SDK's image items and the Dockerfile's build arguments: <c>ContainerLabel</c> (+ generated labels), <c>ContainerPort</c>, <c>KtDockerfileArg</c>.</summary>
internal sealed record ImageInputs(IReadOnlyList<ITaskItem> Labels, IReadOnlyList<ITaskItem> Ports, IReadOnlyList<ITaskItem> DockerfileArguments);

/// <summary>
/// Maps MSBuild items to the neutral <see cref="ProjectDefinition"/>: <c>KtSetup</c> items in written order (Include is the
/// step kind, metadata are its arguments), then the SDK's <c>ContainerEnvironmentVariable</c> items as env steps, then
/// <c>ContainerWorkingDirectory</c> / <c>ContainerUser</c>. Validation of the arguments is the image compiler's job.
/// </summary>
internal static class DefinitionFromItems
{
    private static readonly HashSet<string> KnownKinds = new(StepKinds.Declarable, StringComparer.Ordinal);

    // Metadata every item has; not step arguments.
    private static readonly HashSet<string> ReservedMetadata = new(StringComparer.OrdinalIgnoreCase)
    {
        "Force", "FullPath", "RootDir", "Filename", "Extension", "RelativeDir", "Directory", "RecursiveDir",
        "Identity", "ModifiedTime", "CreatedTime", "AccessedTime", "DefiningProjectFullPath",
        "DefiningProjectDirectory", "DefiningProjectName", "DefiningProjectExtension", "OriginalItemSpec",
    };

    /// <param name="warn">Told of metadata a step ignores (a misspelled <c>Vaule</c>): KT6008, a warning, not an error.</param>
    public static ProjectDefinition Create(DefinitionInputs inputs, Action<string>? warn = null)
    {
        var steps = new List<StepDeclaration>();
        for (var i = 0; i < inputs.Setup.Count; i++)
        {
            steps.Add(FromSetupItem(inputs.Setup[i], i + 1, warn));
        }

        foreach (var variable in inputs.ContainerEnvironmentVariables)
        {
            steps.Add(new StepDeclaration("env",
                new Dictionary<string, string> { ["Name"] = variable.ItemSpec, ["Value"] = variable.GetMetadata("Value") },
                Origin: $"ContainerEnvironmentVariable '{variable.ItemSpec}'"));
        }

        // ContainerWorkingDirectory is where the SDK puts the app and starts it: the app's folder, not a setup step (a live
        // pod's app folder is its active version, so user code runs in the app folder there too).
        if (!string.IsNullOrWhiteSpace(inputs.ContainerUser))
        {
            steps.Add(new StepDeclaration("user", new Dictionary<string, string> { ["Name"] = inputs.ContainerUser },
                Origin: "ContainerUser"));
        }

        var replicas = ParseInt(inputs.Replicas, "KtReplicas", 1);
        return new ProjectDefinition
        {
            Service = inputs.Service,
            BaseImage = Blank(inputs.BaseImage),
            BaseDockerfile = Blank(inputs.BaseDockerfile),
            Steps = steps,
            App = string.IsNullOrWhiteSpace(inputs.EntryAssembly) ? null
                : new AppDeclaration(inputs.EntryAssembly, Blank(inputs.ContainerWorkingDirectory)?.TrimEnd('/') is { Length: > 0 } folder ? folder : "/app"),
            DockerfileArguments = Pairs(inputs.Image?.DockerfileArguments),
            Labels = Pairs(inputs.Image?.Labels),
            Ports = inputs.Image?.Ports is { Count: > 0 } ports
                ? ports.Select(p => string.IsNullOrWhiteSpace(p.GetMetadata("Type")) ? p.ItemSpec : $"{p.ItemSpec}/{p.GetMetadata("Type")}").ToList()
                : null,
            Compute = new ComputeDeclaration
            {
                Backend = Blank(inputs.Backend) ?? "process",
                Cpus = Blank(inputs.Cpus),
                Memory = Blank(inputs.Memory),
                Gpus = ParseInt(inputs.Gpus, "KtGpus", 0),
                Replicas = replicas,
                Namespace = Blank(inputs.Namespace) ?? "default",
                AllowHostSetup = string.Equals(inputs.AllowHostSetup, "true", StringComparison.OrdinalIgnoreCase),
                OtlpEndpoint = Blank(inputs.OtlpEndpoint),
                Cluster = inputs.Cluster is null ? null : ClusterFromItems.Create(inputs.Cluster, replicas),
            },
        };
    }

    // Items as Include=NAME Value=... (ContainerLabel, KtDockerfileArg); null when there are none (the definition file stays as it was).
    private static Dictionary<string, string>? Pairs(IReadOnlyList<ITaskItem>? items) =>
        items is { Count: > 0 } ? items.GroupBy(i => i.ItemSpec, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().GetMetadata("Value"), StringComparer.Ordinal) : null;

    private static StepDeclaration FromSetupItem(ITaskItem item, int position, Action<string>? warn)
    {
        var kind = item.ItemSpec.Trim();
        var origin = SetupItemLocation.Origin(position, kind);
        if (!KnownKinds.Contains(kind))
        {
            throw new KtException(MSBuildErrors.UnknownSetupKind,
                $"{origin}: unknown step kind '{kind}'. Known kinds: {string.Join(", ", KnownKinds.Order(StringComparer.Ordinal))}.");
        }

        var arguments = OwnMetadata(item);
        if (warn is not null && Kt.ImageCompiler.Model.StepFactory.Arguments.TryGetValue(kind, out var read))
        {
            foreach (var ignored in arguments.Keys.Where(k => !read.Contains(k, StringComparer.OrdinalIgnoreCase)))
            {
                warn($"{origin}: metadata '{ignored}' is not an argument of a {kind} step and is ignored (a {kind} step reads {string.Join(", ", read)}).");
            }
        }

        var force = string.Equals(item.GetMetadata("Force"), "true", StringComparison.OrdinalIgnoreCase);
        return new StepDeclaration(kind, arguments, force, origin);
    }

    /// <summary>An item's own metadata, by name (MSBuild's well-known metadata left out), sorted.</summary>
    public static SortedDictionary<string, string> OwnMetadata(ITaskItem item)
    {
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in item.MetadataNames.Cast<string>())
        {
            if (!ReservedMetadata.Contains(name))
            {
                metadata[name] = item.GetMetadata(name);
            }
        }

        return metadata;
    }

    private static int ParseInt(string? value, string property, int fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            throw new KtException(MSBuildErrors.InvalidNumber, $"{property} must be a non-negative whole number, not '{value}'.");
        }

        return parsed;
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
