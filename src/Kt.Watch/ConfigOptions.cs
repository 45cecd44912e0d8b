using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Kt.Watch;

/// <summary>
/// The project's <c>.editorconfig</c> / <c>.globalconfig</c> files (<c>/analyzerconfig:</c>) as the compiler applies
/// them: per-file options for generators (e.g. <c>build_property.*</c> from the SDK's generated editorconfig) and
/// per-file diagnostic severities for the compilation. Looked up by path, so replaced trees keep their options.
/// </summary>
internal sealed class ConfigOptions
{
    private readonly AnalyzerConfigSet? _set;
    private readonly ConcurrentDictionary<string, AnalyzerConfigOptionsResult> _byPath = new(StringComparer.Ordinal);

    public ConfigOptions(IEnumerable<string> configPaths)
    {
        var configs = configPaths.Select(p => Path.GetFullPath(p)).Select(p => AnalyzerConfig.Parse(File.ReadAllText(p), p)).ToList();
        _set = configs.Count == 0 ? null : AnalyzerConfigSet.Create(configs);
        Provider = new OptionsProvider(this);
        TreeOptions = new TreeOptionsProvider(this);
    }

    public AnalyzerConfigOptionsProvider Provider { get; }

    public SyntaxTreeOptionsProvider TreeOptions { get; }

    private AnalyzerConfigOptionsResult? For(string path) =>
        _set is null ? null : _byPath.GetOrAdd(path, p => _set.GetOptionsForSourcePath(p));

    private ImmutableDictionary<string, string> AnalyzerOptions(string path) =>
        For(path)?.AnalyzerOptions ?? ImmutableDictionary<string, string>.Empty;

    private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);

        public override IEnumerable<string> Keys => values.Keys;
    }

    private sealed class OptionsProvider(ConfigOptions owner) : AnalyzerConfigOptionsProvider
    {
        // The compiler's global options are those of the empty path (global configs and [*] sections alike).
        private readonly Options _global = new(owner.AnalyzerOptions(string.Empty));

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => new Options(owner.AnalyzerOptions(tree.FilePath));

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => new Options(owner.AnalyzerOptions(textFile.Path));
    }

    private sealed class TreeOptionsProvider(ConfigOptions owner) : SyntaxTreeOptionsProvider
    {
        public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) =>
            owner.For(tree.FilePath)?.AnalyzerOptions.TryGetValue("generated_code", out var value) == true
                ? (bool.TryParse(value, out var generated) && generated ? GeneratedKind.MarkedGenerated : GeneratedKind.NotGenerated)
                : GeneratedKind.Unknown;

        public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            if (owner.For(tree.FilePath)?.TreeOptions is { } options && options.TryGetValue(diagnosticId, out severity))
            {
                return true;
            }

            severity = ReportDiagnostic.Default;
            return false;
        }

        public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
        {
            if (owner._set?.GlobalConfigOptions.TreeOptions is { } options && options.TryGetValue(diagnosticId, out severity))
            {
                return true;
            }

            severity = ReportDiagnostic.Default;
            return false;
        }
    }
}
