namespace Kt.ImageCompiler.Locking;

/// <summary>What changed between the committed lockfile and a new resolution, one line per change, for the build log.</summary>
public static class LockChanges
{
    public static IReadOnlyList<string> Between(ImageLock? before, ImageLock after)
    {
        if (before is null)
        {
            return [$"new lockfile: base {after.Base.Digest}, {after.Steps.Count} steps"];
        }

        var lines = new List<string>();
        if (before.Base.Digest != after.Base.Digest || before.Base.Reference != after.Base.Reference)
        {
            lines.Add($"base {before.Base.Reference}@{before.Base.Digest} → {after.Base.Reference}@{after.Base.Digest}");
        }

        foreach (var step in after.Steps)
        {
            if (before.StepFor(step.Key) is not { } old)
            {
                lines.Add($"+ step {step.Key[..12]} '{step.Description}'");
                continue;
            }

            lines.AddRange(Packages("apt", old.Apt, step.Apt).Concat(Packages("pip", old.Pip, step.Pip)).Concat(Packages("tool", old.Tools, step.Tools))
                .Select(change => $"step {step.Key[..12]} '{step.Description}': {change}"));
        }

        lines.AddRange(before.Steps.Where(s => after.StepFor(s.Key) is null).Select(s => $"- step {s.Key[..12]} '{s.Description}'"));
        return lines;
    }

    private static IEnumerable<string> Packages(string kind, IReadOnlyList<LockedPackage>? before, IReadOnlyList<LockedPackage>? after)
    {
        var old = (before ?? []).ToDictionary(p => p.Name, p => p.Version, StringComparer.Ordinal);
        var now = (after ?? []).ToDictionary(p => p.Name, p => p.Version, StringComparer.Ordinal);
        foreach (var (name, version) in now.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!old.TryGetValue(name, out var was))
            {
                yield return $"{kind} {name} {version} added";
            }
            else if (was != version)
            {
                yield return $"{kind} {name} {was} → {version}";
            }
        }

        foreach (var name in old.Keys.Where(n => !now.ContainsKey(n)).Order(StringComparer.Ordinal))
        {
            yield return $"{kind} {name} {old[name]} removed";
        }
    }
}
