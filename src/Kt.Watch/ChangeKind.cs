namespace Kt.Watch;

/// <summary>What a batch of changed files needs, from cheapest to dearest.</summary>
internal enum ChangeKind
{
    /// <summary>Only files the warm compilation compiles changed: replace their trees, emit, sync.</summary>
    Sources,

    /// <summary>C# files appeared or went away: read the compiler arguments again (no publish), then as Sources.</summary>
    SourceSet,

    /// <summary>The project, its props/targets, content or setup changed: MSBuild must run (full publish + deploy).</summary>
    Project,
}

/// <summary>Sorts changed paths into the cheapest path that is still correct.</summary>
internal static class ChangeClassifier
{
    /// <param name="projectDirectory">The watched project's folder; a change elsewhere is in a referenced project, which MSBuild builds.</param>
    public static ChangeKind Classify(IReadOnlyCollection<string> paths, string projectDirectory, Func<string, bool> compiles)
    {
        var kind = ChangeKind.Sources;
        foreach (var path in paths)
        {
            var isCSharp = path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase);
            var inProject = !Path.GetRelativePath(projectDirectory, path).StartsWith("..", StringComparison.Ordinal);
            if (!isCSharp || !inProject)
            {
                return ChangeKind.Project;
            }

            if (!compiles(path) || !File.Exists(path))
            {
                kind = ChangeKind.SourceSet;
            }
        }

        return kind;
    }

    /// <summary>Build outputs, hidden folders (<c>.git</c>, <c>.vs</c>) and editor temp files are not inputs.</summary>
    public static bool IsInput(string path, IEnumerable<string> projectDirectories)
    {
        var name = Path.GetFileName(path);
        if (name.Length == 0 || name.StartsWith('.') || name.EndsWith('~') || name.EndsWith(".swp", StringComparison.Ordinal)
            || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var directory in projectDirectories)
        {
            var relative = Path.GetRelativePath(directory, path);
            if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            {
                continue;
            }

            var first = relative.Split(Path.DirectorySeparatorChar)[0];
            return first is not ("bin" or "obj") && !relative.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'));
        }

        return false;
    }
}
