using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Reflection.Metadata.Ecma335;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;

namespace Kt.Watch;

/// <summary>
/// Edit and Continue on the warm compilation: an edit of method bodies only is emitted as an IL delta
/// (<c>Compilation.EmitDifference</c>) against the baseline the pods run — the last whole assembly they loaded, then
/// advanced by every delta they applied — instead of a whole assembly. Only a debuggable compilation (Debug) can.
/// </summary>
internal sealed partial class WarmCompiler
{
    private FullEmit? _lastFull;
    private DeltaChain? _chain;

    /// <summary>True when this compilation's code takes IL deltas (debuggable codegen: the Debug configuration).</summary>
    public bool Debuggable => _args.CompilationOptions.OptimizationLevel == OptimizationLevel.Debug && _args.EmitPdb;

    /// <summary>
    /// The pods now run the last whole emit (<see cref="Emit"/>) of this project: deltas are computed against it from
    /// here on. Called after every deploy of whole assemblies, and after the warm-up emit that follows a publish (its
    /// bytes are the published ones: the watch emits what <c>dotnet build</c> emits).
    /// </summary>
    /// <summary>A delta was applied since the last whole emit: the next whole emit is due even without an edit.</summary>
    public bool BehindDeltas => _chain is { Pending: true };

    public void BaselineOnLastEmit() => _chain = _lastFull is null ? null : new DeltaChain(_lastFull);

    /// <summary>
    /// The current trees as an IL delta against the pods' code, or why not (a rude edit: take the whole compile), or
    /// the compile errors. Nothing changes here until <see cref="ProjectDelta.Commit"/>, called once every pod applied it.
    /// </summary>
    /// <param name="capabilities">What the pods' runtime can apply (its Edit-and-Continue capability names).</param>
    public ProjectDelta Delta(ISet<string> capabilities, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (_chain is not { } chain)
        {
            return ProjectDelta.Rude("no baseline yet (the pods' assembly was not emitted here)");
        }

        var (compilation, generatorDiagnostics) = Generate(cancellationToken);
        var userTrees = _compilation.SyntaxTrees.Length;
        var errors = Format(generatorDiagnostics);
        if (errors.Count > 0)
        {
            return new ProjectDelta { Errors = errors };
        }

        var old = chain.Compilation;
        if (!SameGenerated(old, chain.UserTrees, compilation, userTrees, cancellationToken))
        {
            return ProjectDelta.Rude("the source generators' output changed");
        }

        var oldByPath = old.SyntaxTrees.Take(chain.UserTrees).ToDictionary(t => t.FilePath, StringComparer.Ordinal);
        if (oldByPath.Count != userTrees)
        {
            return ProjectDelta.Rude("C# files were added or removed");
        }

        var edits = new List<SemanticEdit>();
        var synthesizes = false;
        foreach (var tree in compilation.SyntaxTrees.Take(userTrees))
        {
            if (!oldByPath.TryGetValue(tree.FilePath, out var oldTree))
            {
                return ProjectDelta.Rude($"{Path.GetFileName(tree.FilePath)} is new");
            }

            if (ReferenceEquals(oldTree, tree) || oldTree.GetText(cancellationToken).ContentEquals(tree.GetText(cancellationToken)))
            {
                continue;
            }

            var (changed, rude) = DeltaEdits.Compare(oldTree, tree, cancellationToken);
            if (rude is not null)
            {
                return ProjectDelta.Rude($"{Path.GetFileName(tree.FilePath)}: {rude}");
            }

            var oldModel = old.GetSemanticModel(oldTree);
            var newModel = compilation.GetSemanticModel(tree);
            foreach (var (oldOwner, newOwner) in changed)
            {
                var before = DeltaEdits.Symbol(oldModel, oldOwner, cancellationToken);
                var after = DeltaEdits.Symbol(newModel, newOwner, cancellationToken);
                if (before is null || after is null)
                {
                    return ProjectDelta.Rude($"{Path.GetFileName(tree.FilePath)}: a changed body belongs to no method the compiler names");
                }

                if ((IsGeneric(after) && !capabilities.Contains("GenericUpdateMethod")))
                {
                    return ProjectDelta.Rude($"{after.ToDisplayString()} is generic and the pods' runtime cannot update generic methods");
                }

                synthesizes |= DeltaEdits.SynthesizesMembers(newOwner);
                edits.Add(new SemanticEdit(SemanticEditKind.Update, before, after));
            }
        }

        // Lambdas, local functions, async and iterator state machines compile to methods and types of their own: a body
        // with them needs a runtime that can add those.
        string[] needed = synthesizes ? ["AddMethodToExistingType", "NewTypeDefinition", "AddInstanceFieldToExistingType"] : [];
        if (needed.FirstOrDefault(c => !capabilities.Contains(c)) is { } missing)
        {
            return ProjectDelta.Rude($"the edit needs new compiler-generated members and the pods' runtime lacks {missing}");
        }

        if (edits.Count == 0)
        {
            return new ProjectDelta { Elapsed = clock.Elapsed };
        }

        var baseline = chain.Baseline ??= chain.Source.CreateBaseline();
        using var metadata = new MemoryStream();
        using var il = new MemoryStream();
        using var pdb = new MemoryStream();
        var result = compilation.EmitDifference(baseline, edits, _ => false, metadata, il, pdb, cancellationToken);
        var emitErrors = Format(result.Diagnostics);
        if (!result.Success || emitErrors.Count > 0)
        {
            return new ProjectDelta { Errors = emitErrors.Count > 0 ? emitErrors : ["the compiler emitted no delta for this edit"] };
        }

        var next = result.Baseline!;
        return new ProjectDelta
        {
            Assembly = compilation.AssemblyName,
            ModuleId = chain.Source.ModuleId,
            Metadata = metadata.ToArray(),
            IL = il.ToArray(),
            Pdb = pdb.ToArray(),
            UpdatedTypes = [.. result.ChangedTypes.Select(t => MetadataTokens.GetToken(t))],
            Methods = edits.Count,
            Elapsed = clock.Elapsed,
            Commit = () =>
            {
                chain.Baseline = next;
                chain.Compilation = compilation;
                chain.UserTrees = userTrees;
                chain.Pending = true;
            },
        };
    }

    /// <summary>
    /// The whole assembly of what the pods now run as base + deltas (the truth behind the deltas: the bytes <c>dotnet
    /// build</c> would write), or null when no delta was applied since the last whole emit.
    /// </summary>
    public CompileResult? EmitBehindDeltas(bool withReferenceAssembly, CancellationToken cancellationToken)
    {
        if (_chain is not { Pending: true } chain)
        {
            return null;
        }

        var result = EmitGenerated(chain.Compilation, chain.UserTrees, [], withReferenceAssembly, Stopwatch.StartNew(), cancellationToken);
        if (result.Success)
        {
            chain.Pending = false;
        }

        return result;
    }

    private static bool IsGeneric(IMethodSymbol method) =>
        method.IsGenericMethod || method.ContainingType is { } type && (type.IsGenericType || ContainedInGeneric(type));

    private static bool ContainedInGeneric(INamedTypeSymbol type) =>
        type.ContainingType is { } outer && (outer.IsGenericType || ContainedInGeneric(outer));

    private static bool SameGenerated(Compilation old, int oldUserTrees, Compilation current, int userTrees, CancellationToken cancellationToken)
    {
        var before = old.SyntaxTrees.Skip(oldUserTrees).ToList();
        var after = current.SyntaxTrees.Skip(userTrees).ToList();
        return before.Count == after.Count && before.Zip(after).All(p => ReferenceEquals(p.First, p.Second)
            || (p.First.FilePath == p.Second.FilePath && p.First.GetText(cancellationToken).ContentEquals(p.Second.GetText(cancellationToken))));
    }

    private static List<string> Format(IEnumerable<Diagnostic> diagnostics)
    {
        var formatter = new DiagnosticFormatter();
        return diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && !d.IsSuppressed)
            .Select(d => formatter.Format(d, CultureInfo.InvariantCulture))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The pods' code for this project: a whole emit, and the deltas applied on it since.</summary>
    private sealed class DeltaChain(FullEmit source)
    {
        public FullEmit Source { get; } = source;

        public EmitBaseline? Baseline { get; set; }

        public Compilation Compilation { get; set; } = source.Compilation;

        public int UserTrees { get; set; } = source.UserTrees;

        /// <summary>A delta was applied whose whole assembly was not emitted yet.</summary>
        public bool Pending { get; set; }
    }
}

/// <summary>One project's delta, or the reason it has none (rude), or its compile errors.</summary>
internal sealed record ProjectDelta
{
    public string? RudeReason { get; init; }

    public IReadOnlyList<string> Errors { get; init; } = [];

    public string? Assembly { get; init; }

    public Guid ModuleId { get; init; }

    public byte[] Metadata { get; init; } = [];

    public byte[] IL { get; init; } = [];

    public byte[] Pdb { get; init; } = [];

    public ImmutableArray<int> UpdatedTypes { get; init; } = [];

    /// <summary>How many methods changed (0: nothing to apply, e.g. only comments outside bodies changed).</summary>
    public int Methods { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>Advances the baseline: call once every pod applied the delta.</summary>
    public Action Commit { get; init; } = () => { };

    public static ProjectDelta Rude(string reason) => new() { RudeReason = reason };
}
