using Kt.Core;
using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Resolution;
using Kt.PodRuntime.Protocol;

namespace Kt.ImageCompiler.Planning;

/// <summary>
/// Compilation 3: the differential setup for a running pod, given the journal of steps it already applied.
/// Nothing runs when nothing changed; appended steps run alone; otherwise everything from the first changed (or
/// forced) step runs again. The app itself is not in the plan: it travels through code sync.
/// </summary>
public static class LivePlanner
{
    public static LivePlan Plan(ResolvedImage image, IReadOnlyList<JournalEntry> journal)
    {
        var steps = image.Steps.Where(s => s.Kind is not (StepKinds.App or StepKinds.Bundle)).ToList(); // a live pod already runs Kt and has the code synced
        var firstChanged = 0;
        while (firstChanged < steps.Count && firstChanged < journal.Count
               && journal[firstChanged].Key == steps[firstChanged].Key.Hex && !steps[firstChanged].Force)
        {
            firstChanged++;
        }

        // Steps after the first changed one are re-run; journal entries past it are dropped (they were applied on top of
        // something that changed, or were removed from the definition).
        var dropped = journal.Skip(firstChanged).ToList();
        var rerun = steps.Skip(firstChanged).ToList();
        var (recreate, reason) = IrreversibleChange(dropped, steps);
        var defined = new HashSet<string>(image.DefinedVariables, StringComparer.Ordinal);

        return new LivePlan
        {
            KeepPrefix = firstChanged,
            JournalLength = journal.Count,
            ExpectedPrefix = journal.Take(firstChanged).Select(e => e.Key).ToList(),
            Steps = rerun.Select(s => ToLiveStep(s, defined)).ToList(),
            Environment = OnlyDefined(image.Environment, defined),
            WorkingDirectory = image.WorkingDirectory,
            User = image.User,
            RecreateRequired = recreate,
            RecreateReason = reason,
        };
    }

    /// <summary>The journal entry a pod records once a step of a plan has succeeded.</summary>
    public static JournalEntry ToJournalEntry(LiveStep step) => new(step.Key, step.Kind, step.Description, step.Packages);

    private static LiveStep ToLiveStep(ResolvedStep step, HashSet<string> defined) => new()
    {
        Key = step.Key.Hex,
        Kind = step.Kind,
        Description = step.Description,
        Shell = step.Shell,
        Environment = step.Shell is null ? null : OnlyDefined(step.Environment, defined),
        WorkingDirectory = step.WorkingDirectory,
        User = step.User,
        Files = step.Destination is null ? null : new LiveFiles(step.Destination, step.ManifestRelativeTo(step.Destination)),
        Packages = step.Packages,
        Force = step.Force,
    };

    // Packages cannot be uninstalled in place reliably (dependencies, config files): a removal needs a fresh pod.
    private static (bool Recreate, string? Reason) IrreversibleChange(IReadOnlyList<JournalEntry> dropped, IReadOnlyList<ResolvedStep> steps)
    {
        var installed = steps.Where(s => s.Packages is not null)
            .SelectMany(s => s.Packages!.Select(p => (s.Kind, Name: PackageName(p))))
            .ToHashSet();
        foreach (var entry in dropped.Where(e => e.Packages is not null))
        {
            foreach (var package in entry.Packages!)
            {
                if (!installed.Contains((entry.Kind, PackageName(package))))
                {
                    return (true, $"{entry.Kind} package '{package}' (installed by step {entry.Key[..12]} '{entry.Description}') was removed from the definition; "
                                  + "packages cannot be uninstalled in place, so the pod must be recreated from its base image.");
                }
            }
        }

        return (false, null);
    }

    // "numpy==2.1" and "numpy" name the same package; a version change is an upgrade, not a removal.
    private static string PackageName(string specification) => StepValidation.PackageName(specification).ToLowerInvariant();

    private static Dictionary<string, string> OnlyDefined(IReadOnlyDictionary<string, string> environment, HashSet<string> defined) =>
        environment.Where(kv => defined.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
}
