namespace Kt.Watch;

/// <summary>
/// The watched project and every project it references (transitively), each with its own warm compiler, kept in build
/// order. An edit recompiles the project that compiles the file; when that changes its reference assembly (public
/// surface, constants, internals visible to a friend) its dependents recompile against the new one, and a body-only
/// edit recompiles just its own project — MSBuild's own rule (it copies <c>refint/</c> to <c>ref/</c> only when the
/// bytes differ). A referenced project the watch cannot compile in-process (no C# command line, several target
/// frameworks, or its assembly is not in the publish output) stays MSBuild's: a change there takes a full publish.
/// </summary>
internal sealed class ProjectGraph
{
    private readonly List<Node> _order;

    private ProjectGraph(List<Node> order, IReadOnlyList<string> msbuildOnlyDirectories)
    {
        _order = order;
        MSBuildOnlyDirectories = msbuildOnlyDirectories;
    }

    /// <summary>The watched project (the one that is published and deployed).</summary>
    public ProjectCompiler Root => _order[^1].Compiler;

    /// <summary>The folders of the projects compiled in-process, the watched one first.</summary>
    public IEnumerable<string> CompiledDirectories => _order.Select(n => n.Compiler.Inputs.ProjectDirectory).Reverse();

    /// <summary>The folders of referenced projects only MSBuild builds.</summary>
    public IReadOnlyList<string> MSBuildOnlyDirectories { get; }

    /// <summary>Reads the compiler arguments of the project and of every project it references (one design-time build each, in parallel per level).</summary>
    public static async Task<ProjectGraph> ReadAsync(WatchOptions options, CancellationToken cancellationToken)
    {
        var root = await ProjectInputs.ReadAsync(options.ProjectFile, options.Configuration, cancellationToken, options.Environment, options.Properties).ConfigureAwait(false);
        var read = new Dictionary<string, ProjectInputs?>(StringComparer.Ordinal) { [root.ProjectFile] = root };
        var level = root.ProjectReferences.Distinct(StringComparer.Ordinal).ToList();
        while (level.Count > 0)
        {
            var inputs = await Task.WhenAll(level.Select(p => TryReadAsync(p, options, cancellationToken))).ConfigureAwait(false);
            for (var i = 0; i < level.Count; i++)
            {
                read[level[i]] = inputs[i];
            }

            level = inputs.OfType<ProjectInputs>().SelectMany(i => i.ProjectReferences).Distinct(StringComparer.Ordinal).Where(p => !read.ContainsKey(p)).ToList();
        }

        var nodes = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var (file, inputs) in read)
        {
            var inPublishOutput = inputs is not null
                && (file == root.ProjectFile || File.Exists(Path.Combine(root.PublishDirectory, inputs.Property("TargetFileName"))));
            if (inPublishOutput)
            {
                nodes[file] = new Node(ProjectCompiler.Create(inputs!));
            }
        }

        var order = new List<Node>();
        Visit(nodes[root.ProjectFile], nodes, order, []);
        foreach (var node in order)
        {
            node.ReferenceAssembly = node.Dependents.Count == 0 ? null : ReadBuiltReference(node.Compiler);
        }

        var msbuildOnly = read.Keys.Where(f => !nodes.ContainsKey(f)).Select(f => Path.GetDirectoryName(f)!).ToList();
        return new ProjectGraph(order, msbuildOnly);
    }

    /// <summary>True for a file one of the projects compiles.</summary>
    public bool Compiles(string path) => _order.Any(n => n.Compiler.Compiles(path));

    /// <summary>True when the innermost project folder holding <paramref name="path"/> is one compiled in-process.</summary>
    public bool InCompiledProject(string path)
    {
        var owner = CompiledDirectories.Select(d => (Directory: d, Compiled: true))
            .Concat(MSBuildOnlyDirectories.Select(d => (Directory: d, Compiled: false)))
            .Where(d => IsUnder(path, d.Directory))
            .MaxBy(d => d.Directory.Length);
        return owner.Compiled;
    }

    /// <summary>Takes the current text of an edited file into every project that compiles it.</summary>
    public void Replace(string path)
    {
        foreach (var node in _order.Where(n => n.Compiler.Compiles(path)))
        {
            node.Compiler.Replace(path);
            node.Dirty = true;
        }
    }

    /// <summary>
    /// Emits every project with an edit, in build order, and the dependents of those whose reference assembly changed.
    /// Stops at the first project with errors; what was emitted stays due, so the next emit after a fix emits it again
    /// (nothing of a failed batch is deployed).
    /// </summary>
    public GraphEmit Emit(CancellationToken cancellationToken)
    {
        var emitted = new List<(ProjectCompiler Project, CompileResult Result)>();
        foreach (var node in _order.Where(n => n.Dirty || n.Compiler.BehindDeltas))
        {
            var result = node.Compiler.Emit(cancellationToken, withReferenceAssembly: node.Dependents.Count > 0);
            if (!result.Success)
            {
                return new GraphEmit { Emitted = emitted, FailedProject = node.Compiler.Inputs.ProjectFile, Errors = result.Errors };
            }

            emitted.Add((node.Compiler, result));
            var reference = result.ReferenceAssembly ?? result.Assembly;
            if (node.Dependents.Count > 0 && (node.ReferenceAssembly is null || !reference.AsSpan().SequenceEqual(node.ReferenceAssembly)))
            {
                node.ReferenceAssembly = reference;
                foreach (var dependent in node.Dependents.Where(d => d.Compiler.ReplaceReference(node.Compiler.OutputFileName, reference)))
                {
                    dependent.Dirty = true;
                }
            }
        }

        foreach (var node in _order)
        {
            node.Dirty = false;
        }

        return new GraphEmit { Emitted = emitted, Errors = [] };
    }

    /// <summary>True when every project compiles debuggable code (Debug), so that edits can reach the pods as IL deltas.</summary>
    public bool Debuggable => _order.All(n => n.Compiler.Debuggable);

    /// <summary>
    /// The edits of the projects with an edit as IL deltas (build order), or the first project's reason for none or its
    /// errors. A body-only edit never changes a reference assembly, so dependents are never involved. Nothing changes
    /// until <see cref="CommitDeltas"/>.
    /// </summary>
    public GraphDelta Delta(ISet<string> capabilities, CancellationToken cancellationToken)
    {
        var deltas = new List<ProjectDelta>();
        foreach (var node in _order.Where(n => n.Dirty))
        {
            var delta = node.Compiler.Delta(capabilities, cancellationToken);
            if (delta.RudeReason is not null || delta.Errors.Count > 0)
            {
                return new GraphDelta { RudeReason = delta.RudeReason, Errors = delta.Errors, FailedProject = node.Compiler.Inputs.ProjectFile };
            }

            deltas.Add(delta);
        }

        return new GraphDelta { Deltas = deltas };
    }

    /// <summary>Every pod applied the deltas: they are the new baselines, and the edited projects are no longer due.</summary>
    public void CommitDeltas(GraphDelta delta)
    {
        foreach (var project in delta.Deltas)
        {
            project.Commit();
        }

        foreach (var node in _order)
        {
            node.Dirty = false;
        }
    }

    /// <summary>
    /// The whole assemblies behind the deltas applied since their last whole emit (the bytes <c>dotnet build</c> would
    /// write), for the staged publish output. Stops at a cancellation; what was not emitted stays due.
    /// </summary>
    public IReadOnlyList<(ProjectCompiler Project, CompileResult Result)> EmitBehindDeltas(CancellationToken cancellationToken)
    {
        var emitted = new List<(ProjectCompiler, CompileResult)>();
        foreach (var node in _order)
        {
            if (node.Compiler.EmitBehindDeltas(cancellationToken, withReferenceAssembly: node.Dependents.Count > 0) is { Success: true } result)
            {
                emitted.Add((node.Compiler, result));
            }
        }

        return emitted;
    }

    /// <summary>The pods run every project's last whole emit (after a deploy of whole assemblies): deltas start from those.</summary>
    public void BaselineOnLastEmits()
    {
        foreach (var node in _order)
        {
            node.Compiler.BaselineOnLastEmit();
        }
    }

    /// <summary>
    /// Emits every project once and keeps nothing: the compiler's code is jitted and the generators' caches filled
    /// before the first edit, so the first watched edit is as fast as the later ones.
    /// </summary>
    public void WarmUp(CancellationToken cancellationToken)
    {
        foreach (var node in _order)
        {
            node.Compiler.Emit(cancellationToken, withReferenceAssembly: node.Dependents.Count > 0);
        }
    }

    private static async Task<ProjectInputs?> TryReadAsync(string projectFile, WatchOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return await ProjectInputs.ReadAsync(projectFile, options.Configuration, cancellationToken, options.Environment, options.Properties).ConfigureAwait(false);
        }
        catch (KtException)
        {
            // Not a single-target C# project: MSBuild keeps building it (a change there is a full publish).
            return null;
        }
    }

    /// <summary>Depth first, references before the project; a cycle (MSBuild refuses one anyway) is cut where it closes.</summary>
    private static void Visit(Node node, Dictionary<string, Node> nodes, List<Node> order, HashSet<Node> visiting)
    {
        if (order.Contains(node) || !visiting.Add(node))
        {
            return;
        }

        foreach (var reference in node.Compiler.Inputs.ProjectReferences)
        {
            if (nodes.TryGetValue(reference, out var referenced))
            {
                Visit(referenced, nodes, order, visiting);
                if (!referenced.Dependents.Contains(node))
                {
                    referenced.Dependents.Add(node);
                }
            }
        }

        order.Add(node);
    }

    /// <summary>The reference assembly the last <c>dotnet build</c> wrote: dependents compiled against it, so an emit that gives the same bytes changes nothing for them.</summary>
    private static byte[]? ReadBuiltReference(ProjectCompiler compiler)
    {
        var path = Path.GetFullPath(compiler.ReferenceAssemblyPath ?? Path.Combine(compiler.Inputs.IntermediateDirectory, compiler.OutputFileName),
            compiler.Inputs.ProjectDirectory);
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    }

    private static bool IsUnder(string path, string directory)
    {
        var relative = Path.GetRelativePath(directory, path);
        return !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    private sealed class Node(ProjectCompiler compiler)
    {
        public ProjectCompiler Compiler { get; } = compiler;

        public List<Node> Dependents { get; } = [];

        public byte[]? ReferenceAssembly { get; set; }

        public bool Dirty { get; set; }
    }
}

/// <summary>What the deltas of one batch are: one per edited project (build order), or the reason there are none, or errors.</summary>
internal sealed record GraphDelta
{
    public IReadOnlyList<ProjectDelta> Deltas { get; init; } = [];

    /// <summary>Why this batch is no delta (null: it is one).</summary>
    public string? RudeReason { get; init; }

    public IReadOnlyList<string> Errors { get; init; } = [];

    public string? FailedProject { get; init; }

    /// <summary>The deltas with something to apply.</summary>
    public IEnumerable<ProjectDelta> ToApply => Deltas.Where(d => d.Methods > 0);
}

/// <summary>What one emit of the graph gave: the projects emitted (build order), or the first one that failed and its errors.</summary>
internal sealed record GraphEmit
{
    public required IReadOnlyList<(ProjectCompiler Project, CompileResult Result)> Emitted { get; init; }

    /// <summary>The project file whose compile failed (null: all emitted).</summary>
    public string? FailedProject { get; init; }

    public required IReadOnlyList<string> Errors { get; init; }

    public bool Success => FailedProject is null;
}
