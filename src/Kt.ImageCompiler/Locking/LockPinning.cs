using System.Text.RegularExpressions;
using Kt.Core;
using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Resolution;

namespace Kt.ImageCompiler.Locking;

/// <summary>
/// Applies a lockfile to a resolved image: each command step gets the exact versions its lock entry recorded
/// (apt <c>pkg=version</c>, pip <c>==</c>, a tool's <c>--version</c>). Step keys do not change, so a pod's journal, the
/// image history and progress lines name a pinned step as they named it before; only what runs differs.
/// </summary>
public static partial class LockPinning
{
    /// <summary>The image with its command steps pinned; a command step the lockfile lacks is KT1041.</summary>
    public static ResolvedImage Apply(ResolvedImage image, ImageLock imageLock, string lockPath)
    {
        var steps = image.Steps.Select(step => step.Effect != StepEffect.Command || step.Step is RunStep
            ? step
            : Pin(step, imageLock.StepFor(step.Key.Hex) ?? throw new KtException(ImageErrors.NotInLockfile,
                $"step {step.Key.Short} '{step.Description}' is not in {lockPath}, so a locked freeze cannot install it exactly; "
                + "freeze once without KtLocked=true to record it, and commit the updated lockfile.")));
        return image with { Steps = steps.ToList() };
    }

    /// <summary>
    /// The live loop's use of a lockfile: pinned where the lockfile has the step, as declared where it has not (a step
    /// just added); no lockfile, no change.
    /// </summary>
    public static ResolvedImage ApplyWhereLocked(ResolvedImage image, string lockPath)
    {
        if (ImageLock.TryRead(lockPath) is not { } imageLock)
        {
            return image;
        }

        return image with
        {
            Steps = image.Steps.Select(step => step.Effect == StepEffect.Command && imageLock.StepFor(step.Key.Hex) is { } locked ? Pin(step, locked) : step).ToList(),
        };
    }

    private static ResolvedStep Pin(ResolvedStep step, LockedStep locked)
    {
        // Packages the base already had are not in the layer, so not in the lock: they stay as declared (the base is pinned).
        static List<string> Specifications(IReadOnlyList<string> declared, IReadOnlyList<LockedPackage>? pinned, string separator, StringComparison comparison)
        {
            var exact = (pinned ?? []).Select(p => p.Name + separator + p.Version).ToList();
            exact.AddRange(declared.Where(d => !(pinned ?? []).Any(p => string.Equals(p.Name, NameOf(d), comparison))));
            return exact;
        }

        return step.Step switch
        {
            AptInstallStep apt when Specifications(apt.Packages, locked.Apt, "=", StringComparison.Ordinal) is var pins =>
                step with { Pins = pins, Shell = DefinitionResolver.AptCommand(pins, Dependencies(apt.Packages, locked.Apt)) },
            PipInstallStep pip when Specifications(pip.Packages, locked.Pip, "==", StringComparison.OrdinalIgnoreCase) is var pins =>
                step with { Pins = pins, Shell = DefinitionResolver.PipCommand(pins) },
            DotnetToolStep tool when locked.Tools?.FirstOrDefault(t => string.Equals(t.Name, tool.Name, StringComparison.OrdinalIgnoreCase))?.Version is { } version =>
                step with { Pins = [$"{tool.Name}@{version}"], Shell = DefinitionResolver.ToolCommand(tool.Name, version, tool.ToolPath) },
            _ => step,
        };
    }

    private static List<string> Dependencies(IReadOnlyList<string> declared, IReadOnlyList<LockedPackage>? pinned) =>
        (pinned ?? []).Select(p => p.Name).Where(name => !declared.Any(d => NameOf(d) == name)).ToList();

    private static string NameOf(string specification) => StepValidation.PackageName(specification);

    /// <summary>
    /// Why a pinned step failed, when it is because a pinned version can no longer be had (KT1040 naming the
    /// package); null for any other failure.
    /// </summary>
    public static KtException? VersionGone(ResolvedStep step, string outputTail)
    {
        if (step.Pins is null)
        {
            return null;
        }

        var apt = AptVersionMissing().Match(outputTail);
        var pip = PipVersionMissing().Match(outputTail);
        var tool = ToolVersionMissing().Match(outputTail) is { Success: true } missing ? missing : ToolPackageMissing().Match(outputTail);
        var gone = apt.Success ? $"apt package {apt.Groups["name"].Value} version {apt.Groups["version"].Value}"
            : pip.Success ? $"pip package {pip.Groups["spec"].Value}"
            : tool.Success ? $"dotnet tool {tool.Groups["name"].Value} version {tool.Groups["version"].Value}"
            : null;
        return gone is null
            ? null
            : new KtException(ImageErrors.PinnedVersionGone,
                $"step {step.Key.Short} '{step.Description}': {gone} is pinned by the lockfile but the package source no longer has it; nothing was written. "
                + "Freeze without KtLocked=true to resolve current versions (the lockfile then says what changed), or restore a source that still serves it.");
    }

    [GeneratedRegex(@"Version '(?<version>[^']+)' for '(?<name>[^']+)' was not found")]
    private static partial Regex AptVersionMissing();

    [GeneratedRegex(@"No matching distribution found for (?<spec>\S+)")]
    private static partial Regex PipVersionMissing();

    [GeneratedRegex(@"[Vv]ersion (?<version>\S+) of package (?<name>\S+) is not found")]
    private static partial Regex ToolVersionMissing();

    // NuGet's own wording (NU1102), which older SDKs print for a tool version that is not in the feeds.
    [GeneratedRegex(@"Unable to find package (?<name>\S+) with version \(= (?<version>[^)]+)\)")]
    private static partial Regex ToolPackageMissing();
}
