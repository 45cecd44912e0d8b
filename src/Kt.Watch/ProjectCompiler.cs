using System.Runtime.CompilerServices;

namespace Kt.Watch;

/// <summary>
/// The warm compiler of one project behind a surface without compiler types, so that a caller can hold it before the
/// SDK's compiler is loaded: <see cref="Create"/> points this process at the project's SDK compiler first, and only
/// then touches a Roslyn type (in a method of its own, compiled by the JIT after that).
/// </summary>
internal sealed class ProjectCompiler
{
    private readonly WarmCompiler _compiler;

    private ProjectCompiler(ProjectInputs inputs, WarmCompiler compiler)
    {
        Inputs = inputs;
        _compiler = compiler;
    }

    public ProjectInputs Inputs { get; }

    public string OutputFileName => _compiler.OutputFileName;

    public string PdbFileName => _compiler.PdbFileName;

    /// <summary>Where <c>dotnet build</c> wrote the reference assembly dependents compile against (null: none made).</summary>
    public string? ReferenceAssemblyPath => _compiler.ReferenceAssemblyPath;

    public static ProjectCompiler Create(ProjectInputs inputs)
    {
        SdkCompiler.Use(inputs.RoslynTargetsPath);
        return CreateWarm(inputs);
    }

    /// <summary>True for a file this compilation compiles (an edit of it takes the fast path).</summary>
    public bool Compiles(string path) => _compiler.SourceFiles.Contains(path);

    public void Replace(string path) => _compiler.Replace(path);

    /// <summary>Compiles against a referenced project's new reference assembly (by its file name, e.g. <c>Lib.dll</c>).</summary>
    public bool ReplaceReference(string fileName, byte[] referenceAssembly) => _compiler.ReplaceReference(fileName, referenceAssembly);

    public CompileResult Emit(CancellationToken cancellationToken, bool withReferenceAssembly = false) =>
        _compiler.Emit(withReferenceAssembly, cancellationToken);

    /// <summary>True when the project compiles debuggable code (Debug): its edits can reach the pods as IL deltas.</summary>
    public bool Debuggable => _compiler.Debuggable;

    /// <summary>A delta was applied since the last whole emit.</summary>
    public bool BehindDeltas => _compiler.BehindDeltas;

    /// <summary>The pods run this project's last whole emit: deltas start from it.</summary>
    public void BaselineOnLastEmit() => _compiler.BaselineOnLastEmit();

    /// <summary>The edits since the pods' code as an IL delta, or why not, or the compile errors (see <see cref="WarmCompiler.Delta"/>).</summary>
    public ProjectDelta Delta(ISet<string> capabilities, CancellationToken cancellationToken) => _compiler.Delta(capabilities, cancellationToken);

    /// <summary>The whole assembly behind the deltas applied since the last whole emit (null: none applied).</summary>
    public CompileResult? EmitBehindDeltas(CancellationToken cancellationToken, bool withReferenceAssembly = false) =>
        _compiler.EmitBehindDeltas(withReferenceAssembly, cancellationToken);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ProjectCompiler CreateWarm(ProjectInputs inputs) =>
        new(inputs, WarmCompiler.Create(inputs.CompilerArguments, inputs.ProjectDirectory));
}
