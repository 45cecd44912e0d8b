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
    /// <param name="compiles">True for a file a warm compilation compiles.</param>
    /// <param name="inCompiledProject">True for a path in a project compiled in-process (else MSBuild builds it).</param>
    public static ChangeKind Classify(IReadOnlyCollection<string> paths, Func<string, bool> compiles, Func<string, bool> inCompiledProject)
    {
        var kind = ChangeKind.Sources;
        foreach (var path in paths)
        {
            if (!path.EndsWith(".cs", StringComparison.OrdinalIgnoreCase) || !inCompiledProject(path))
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

    /// <summary>
    /// Build outputs, hidden folders (<c>.git</c>, <c>.vs</c>) and editor temp files are not inputs. A path under a
    /// project's <c>bin/</c> or <c>obj/</c> is not one even when an enclosing project's folder also holds it. The editor
    /// names here are those that can outlive a save (vim's swap file and backup, a kept JetBrains backup, vim's
    /// <c>4913</c> probe when the batch ends before its delete); transient temp files of any name are dropped by
    /// <see cref="SaveBatch"/>.
    /// </summary>
    public static bool IsInput(string path, IEnumerable<string> projectDirectories)
    {
        var name = Path.GetFileName(path);
        if (name.Length == 0 || name.StartsWith('.') || name.EndsWith('~') || name.EndsWith(".swp", StringComparison.Ordinal)
            || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase) || name.EndsWith("___jb_tmp___", StringComparison.Ordinal)
            || name.EndsWith("___jb_old___", StringComparison.Ordinal) || name == "4913")
        {
            return false;
        }

        var under = false;
        foreach (var directory in projectDirectories)
        {
            var relative = Path.GetRelativePath(directory, path);
            if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
            {
                continue;
            }

            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts[0] is "bin" or "obj" || parts.Any(part => part.StartsWith('.')))
            {
                return false;
            }

            under = true;
        }

        return under;
    }
}
