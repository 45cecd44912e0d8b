using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace Kt.Watch;

/// <summary>
/// One project's compilation kept warm: built once from the project's own Csc command line (as <c>csc</c> builds it:
/// sources, references, options, editorconfigs, source generators, embedded texts, pathmap, Win32 resources), then
/// updated by replacing only the edited syntax trees. The generator driver is kept too, so generators run
/// incrementally. An emit writes nothing: the caller decides where the bytes go.
/// </summary>
internal sealed partial class WarmCompiler
{
    private readonly CSharpCommandLineArguments _args;
    private readonly ConfigOptions _config;
    private readonly HashSet<string> _embeddedSources;
    private readonly Dictionary<string, SyntaxTree> _trees;
    private CSharpCompilation _compilation;
    private GeneratorDriver _driver;
    private Dictionary<SourceText, SyntaxTree> _rehashed = [];

    private WarmCompiler(CSharpCommandLineArguments args, ConfigOptions config, HashSet<string> embeddedSources,
        Dictionary<string, SyntaxTree> trees, CSharpCompilation compilation, GeneratorDriver driver)
    {
        _args = args;
        _config = config;
        _embeddedSources = embeddedSources;
        _trees = trees;
        _compilation = compilation;
        _driver = driver;
    }

    /// <summary>The assembly's file name (<c>/out</c>), e.g. <c>Hello.dll</c>.</summary>
    public string OutputFileName => _args.OutputFileName!;

    public string PdbFileName => Path.GetFileName(PdbPath);

    /// <summary>The source files (absolute) whose edits this compiler takes.</summary>
    public IReadOnlyCollection<string> SourceFiles => _trees.Keys;

    /// <summary>Where <c>dotnet build</c> writes the reference assembly (<c>/refout</c>), or null when the project makes none.</summary>
    public string? ReferenceAssemblyPath => _args.OutputRefFilePath;

    private string PdbPath => _args.PdbPath ?? Path.ChangeExtension(Path.Combine(_args.OutputDirectory, OutputFileName), ".pdb");

    /// <param name="baseDirectory">Where the compiler ran (the project folder); relative arguments resolve there.</param>
    public static WarmCompiler Create(IReadOnlyList<string> compilerArguments, string baseDirectory)
    {
        // MSBuild hands the arguments still quoted as in a response file; split them the way csc reads one.
        var arguments = CommandLineParser.SplitCommandLineIntoArguments(string.Join(' ', compilerArguments), removeHashComments: false);
        var args = CSharpCommandLineParser.Default.Parse(arguments, baseDirectory, sdkDirectory: null);
        var argumentError = args.Errors.FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
        if (argumentError is not null)
        {
            throw new KtException(WatchErrors.DesignTimeBuildFailed, $"the project's compiler arguments do not parse: {argumentError}");
        }

        var config = new ConfigOptions(args.AnalyzerConfigPaths);
        var embedded = new HashSet<string>(args.EmbeddedFiles.Select(f => f.Path), StringComparer.Ordinal);
        var trees = new SyntaxTree[args.SourceFiles.Length];
        Parallel.For(0, trees.Length, i =>
        {
            var path = args.SourceFiles[i].Path;
            trees[i] = CSharpSyntaxTree.ParseText(ReadSource(path, args, embedded.Contains(path)), args.ParseOptions, path);
        });

        var references = args.MetadataReferences
            .Select(r => (MetadataReference)MetadataReference.CreateFromFile(Path.GetFullPath(r.Reference, baseDirectory), r.Properties))
            .ToList();

        var compilation = CSharpCompilation.Create(args.CompilationName, trees, references, args.CompilationOptions
            .WithAssemblyIdentityComparer(DesktopAssemblyIdentityComparer.Default)
            .WithXmlReferenceResolver(new XmlFileResolver(args.BaseDirectory))
            .WithSourceReferenceResolver(new SourceFileResolver(ImmutableArray<string>.Empty, args.BaseDirectory, args.PathMap))
            .WithStrongNameProvider(new DesktopStrongNameProvider(args.KeyFileSearchPaths))
            .WithSyntaxTreeOptionsProvider(config.TreeOptions));

        var loader = new AnalyzerLoader();
        var generators = args.AnalyzerReferences
            .SelectMany(r => new AnalyzerFileReference(Path.GetFullPath(r.FilePath, baseDirectory), loader).GetGenerators(LanguageNames.CSharp))
            .ToImmutableArray();
        var additional = args.AdditionalFiles.Select(f => (AdditionalText)new FileText(f.Path)).ToImmutableArray();
        // Generated trees are named under the output folder, as csc names them (their paths reach the PDB).
        GeneratorDriver driver = CSharpGeneratorDriver.Create(generators, additional, args.ParseOptions, config.Provider,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.Host, trackIncrementalGeneratorSteps: false,
                baseDirectory: args.GeneratedFilesOutputDirectory ?? args.OutputDirectory));

        var byPath = new Dictionary<string, SyntaxTree>(StringComparer.Ordinal);
        foreach (var tree in trees)
        {
            byPath.TryAdd(tree.FilePath, tree);
        }

        return new WarmCompiler(args, config, embedded, byPath, compilation, driver);
    }

    /// <summary>Replaces the tree of an edited source file (one of <see cref="SourceFiles"/>) with its current text.</summary>
    public void Replace(string path)
    {
        var old = _trees[path];
        var updated = old.WithChangedText(ReadSource(path, _args, _embeddedSources.Contains(path)));
        _compilation = _compilation.ReplaceSyntaxTree(old, updated);
        _trees[path] = updated;
    }

    /// <summary>
    /// Compiles against <paramref name="image"/> (a referenced project's reference assembly, just emitted) instead of
    /// the file of that name on disk. The path stays the one <c>dotnet build</c> passes: the PDB records each
    /// reference's file name, size, time stamp and MVID, which are those of the same bytes.
    /// </summary>
    /// <returns>False when this compilation has no reference of that file name (e.g. <c>ReferenceOutputAssembly=false</c>).</returns>
    public bool ReplaceReference(string fileName, byte[] image)
    {
        var old = _compilation.References.OfType<PortableExecutableReference>()
            .FirstOrDefault(r => string.Equals(Path.GetFileName(r.FilePath), fileName, StringComparison.OrdinalIgnoreCase));
        if (old is null)
        {
            return false;
        }

        // In place: Compilation.ReplaceReference appends the new one, and the PDB lists references in their order.
        var replacement = MetadataReference.CreateFromImage(image, old.Properties, filePath: old.FilePath);
        _compilation = _compilation.WithReferences(_compilation.References.Select(r => ReferenceEquals(r, old) ? replacement : r));
        return true;
    }

    /// <summary>Runs the generators on the current trees and emits; nothing is written.</summary>
    /// <param name="withReferenceAssembly">Also emit the reference assembly (<c>/refout</c>) that dependents compile against.</param>
    public CompileResult Emit(bool withReferenceAssembly, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var (compilation, generatorDiagnostics) = Generate(cancellationToken);
        return EmitGenerated(compilation, _compilation.SyntaxTrees.Length, generatorDiagnostics, withReferenceAssembly, clock, cancellationToken);
    }

    /// <summary>Runs the generators (incrementally) on the current trees: the compilation an emit compiles.</summary>
    private (Compilation Compilation, IReadOnlyList<Diagnostic> Diagnostics) Generate(CancellationToken cancellationToken)
    {
        _driver = _driver.RunGeneratorsAndUpdateCompilation(_compilation, out var compilation, out var generatorDiagnostics, cancellationToken);
        return (RehashGenerated(compilation, cancellationToken), generatorDiagnostics);
    }

    /// <summary>
    /// The whole-assembly emit of a generated compilation (<paramref name="userTrees"/> trees of its own, the rest the
    /// generators'). Touches no state but <see cref="_lastFull"/>: it may run in the background on a compilation a delta
    /// was computed from (the watch waits for it before the trees change again).
    /// </summary>
    private CompileResult EmitGenerated(Compilation compilation, int userTrees, IReadOnlyList<Diagnostic> generatorDiagnostics, bool withReferenceAssembly,
        Stopwatch clock, CancellationToken cancellationToken)
    {
        var generated = compilation.SyntaxTrees.Skip(userTrees).ToList();
        var userTreesByPath = compilation.SyntaxTrees.Take(userTrees).GroupBy(t => t.FilePath, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var embeddedTexts = _args.EmbeddedFiles.Select(f => userTreesByPath.TryGetValue(f.Path, out var tree)
                ? EmbeddedText.FromSource(f.Path, tree.GetText(cancellationToken))
                : EmbeddedText.FromStream(f.Path, File.OpenRead(f.Path), _args.ChecksumAlgorithm))
            .Concat(generated.Select(t => EmbeddedText.FromSource(t.FilePath, t.GetText(cancellationToken))))
            .ToList();

        var emitOptions = _args.EmitOptions.WithOutputNameOverride(OutputFileName).WithPdbFilePath(MapPath(PdbPath, _args.PathMap));
        var emitPdbFile = _args.EmitPdb && emitOptions.DebugInformationFormat != DebugInformationFormat.Embedded;
        using var pe = new MemoryStream();
        using var pdb = emitPdbFile ? new MemoryStream() : null;
        using var xml = _args.DocumentationPath is null ? null : new MemoryStream();
        using var sourceLink = _args.SourceLink is null ? null : File.OpenRead(_args.SourceLink);
        using var win32Resources = Win32Resources(compilation);
        using var referenceAssembly = withReferenceAssembly && _args.OutputRefFilePath is not null ? new MemoryStream() : null;
        var result = compilation.Emit(pe, pdb, xml, win32Resources, _args.ManifestResources, emitOptions,
            sourceLinkStream: sourceLink, embeddedTexts: embeddedTexts, metadataPEStream: referenceAssembly, cancellationToken: cancellationToken);

        var formatter = new DiagnosticFormatter();
        var errors = generatorDiagnostics.Concat(result.Diagnostics)
            .Where(d => d.Severity == DiagnosticSeverity.Error && !d.IsSuppressed)
            .Select(d => formatter.Format(d, CultureInfo.InvariantCulture))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (result.Success && errors.Count == 0)
        {
            _lastFull = new FullEmit(compilation, userTrees, pe.ToArray(), pdb?.ToArray());
        }

        return new CompileResult
        {
            Success = result.Success && errors.Count == 0,
            Assembly = result.Success ? pe.ToArray() : [],
            Pdb = result.Success ? pdb?.ToArray() : null,
            Documentation = result.Success ? xml?.ToArray() : null,
            Errors = errors,
            Elapsed = clock.Elapsed,
            ReferenceAssembly = result.Success ? referenceAssembly?.ToArray() : null,
        };
    }

    /// <summary>
    /// csc hands the driver the project's checksum algorithm (SHA-256 under the SDK) for generated documents; that
    /// setting is not public, so generated texts are re-hashed here (the PDB records each document's hash). A text the
    /// driver kept from the last run keeps its re-hashed tree.
    /// </summary>
    private Compilation RehashGenerated(Compilation compilation, CancellationToken cancellationToken)
    {
        var rehashed = new Dictionary<SourceText, SyntaxTree>();
        foreach (var tree in compilation.SyntaxTrees.Skip(_compilation.SyntaxTrees.Length).ToList())
        {
            var text = tree.GetText(cancellationToken);
            if (text.ChecksumAlgorithm == _args.ChecksumAlgorithm)
            {
                continue;
            }

            if (!_rehashed.TryGetValue(text, out var replacement))
            {
                replacement = CSharpSyntaxTree.ParseText(SourceText.From(text.ToString(), text.Encoding, _args.ChecksumAlgorithm),
                    (CSharpParseOptions)tree.Options, tree.FilePath, cancellationToken);
            }

            rehashed[text] = replacement;
            compilation = compilation.ReplaceSyntaxTree(tree, replacement);
        }

        _rehashed = rehashed;
        return compilation;
    }

    private MemoryStream? Win32Resources(Compilation compilation)
    {
        if (_args.Win32ResourceFile is not null)
        {
            return new MemoryStream(File.ReadAllBytes(_args.Win32ResourceFile));
        }

        using var manifest = _args.Win32Manifest is null || _args.CompilationOptions.OutputKind == OutputKind.NetModule ? null : File.OpenRead(_args.Win32Manifest);
        using var icon = _args.Win32Icon is null ? null : File.OpenRead(_args.Win32Icon);
        var stream = compilation.CreateDefaultWin32Resources(versionResource: true, _args.NoWin32Manifest, manifest, icon);
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }

    private static SourceText ReadSource(string path, CommandLineArguments args, bool embed)
    {
        using var stream = File.OpenRead(path);
        return SourceText.From(stream, args.Encoding, args.ChecksumAlgorithm, throwIfBinaryDetected: true, canBeEmbedded: embed);
    }

    /// <summary><c>/pathmap</c> as the compiler applies it to the PDB path: the first matching prefix is replaced.</summary>
    private static string MapPath(string path, ImmutableArray<KeyValuePair<string, string>> pathMap)
    {
        foreach (var (from, to) in pathMap)
        {
            if (path.StartsWith(from, StringComparison.Ordinal))
            {
                return to + path[from.Length..];
            }
        }

        return path;
    }

    private sealed class FileText(string path) : AdditionalText
    {
        public override string Path => path;

        public override SourceText? GetText(CancellationToken cancellationToken = default)
        {
            using var stream = File.OpenRead(path);
            return SourceText.From(stream);
        }
    }
}

/// <summary>One emit: the assembly, its PDB and XML documentation when the project makes them, or the errors.</summary>
internal sealed record CompileResult
{
    public required bool Success { get; init; }

    public required byte[] Assembly { get; init; }

    public byte[]? Pdb { get; init; }

    public byte[]? Documentation { get; init; }

    /// <summary>As <c>dotnet build</c> prints them: <c>file(line,col): error CSxxxx: message</c>.</summary>
    public required IReadOnlyList<string> Errors { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>The reference assembly (<c>/refout</c>) when asked for: what projects that reference this one compile against.</summary>
    public byte[]? ReferenceAssembly { get; init; }
}
