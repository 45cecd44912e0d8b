namespace Kt.PodRuntime.Protocol;

/// <summary>
/// A live plan checked whole, by kind, with <see cref="StepRules"/>: what the image model lets a client build is what a
/// pod accepts. The pod runs this before any step (a refusal changes nothing); a client may run it before sending.
/// </summary>
public static class LivePlanRules
{
    /// <summary>The first thing wrong with the plan's steps, environment and folders, or null when there is none.</summary>
    public static string? FirstViolation(LivePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (BadEnvironment(plan.Environment) is { } badName)
        {
            return $"the plan's environment names '{badName}', not a variable name (letters, digits and '_', not starting with a digit)";
        }

        if (plan.WorkingDirectory is { } directory && !StepRules.IsPodAbsolutePath(directory))
        {
            return $"the plan's working directory '{directory}' is not an absolute path";
        }

        var keys = new HashSet<string>(plan.ExpectedPrefix ?? [], StringComparer.Ordinal);
        for (var index = 0; index < plan.Steps.Count; index++)
        {
            if (StepViolation(plan.Steps[index], keys) is { } violation)
            {
                return $"step {index}{(plan.Steps[index]?.Description is { Length: > 0 } d ? $" '{d}'" : "")}: {violation}";
            }
        }

        return null;
    }

    private static string? StepViolation(LiveStep? step, HashSet<string> keys)
    {
        if (step is null || string.IsNullOrEmpty(step.Kind))
        {
            return "every step needs a key and a kind";
        }

        if (!StepRules.IsStepKey(step.Key))
        {
            return $"'{step.Key}' is not a step key (64 lowercase hex)";
        }

        if (!keys.Add(step.Key))
        {
            return $"key {step.Key[..12]}… appears twice in the plan (a step key names one step of one chain)";
        }

        if (!StepKinds.Declarable.Contains(step.Kind))
        {
            return $"unknown step kind '{step.Kind}' (known: {string.Join(", ", StepKinds.Declarable)})";
        }

        var hasShell = !string.IsNullOrWhiteSpace(step.Shell);
        if (StepRules.RunsCommand(step.Kind) != hasShell)
        {
            return hasShell ? $"a {step.Kind} step runs no command, but this one carries one" : $"a {step.Kind} step is a command, but this one carries none";
        }

        if (StepRules.PlacesFiles(step.Kind) != step.Files is not null)
        {
            return step.Files is null ? $"a {step.Kind} step places files, but this one carries none" : $"a {step.Kind} step places no files, but this one carries some";
        }

        if (BadEnvironment(step.Environment) is { } badName)
        {
            return $"its environment names '{badName}', not a variable name";
        }

        return step.WorkingDirectory is { } directory && !StepRules.IsPodAbsolutePath(directory)
            ? $"its working directory '{directory}' is not an absolute path"
            : null;
    }

    private static string? BadEnvironment(IReadOnlyDictionary<string, string>? environment) =>
        environment?.Keys.FirstOrDefault(name => !StepRules.IsEnvironmentName(name));
}
