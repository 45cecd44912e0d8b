using System.Text.RegularExpressions;
using Kt.Core;
using Kt.TestSupport;

namespace Kt.Docs.Tests;

/// <summary>
/// Every KT code that appears in the sources (a constant, a message, a comment naming it) has a row in one of
/// docs/errors-*.md saying what it means and what to do. A new code fails this test until its row is written.
/// </summary>
public sealed partial class ErrorCodeTests
{
    private static readonly string Root = Environments.RepositoryRoot;

    [Fact]
    public void Every_code_in_the_sources_has_a_row_in_the_error_docs()
    {
        var documented = DocumentedCodes();
        var used = CodesInSources();

        var missing = used.Where(u => !documented.ContainsKey(u.Key)).Select(u => $"{u.Key} (first at {u.Value})").ToList();

        Assert.True(used.Count > 50, $"the scan found only {used.Count} codes: is it reading src/?");
        Assert.True(missing.Count == 0, "codes without a row in docs/errors-*.md (add `| KTxxxx | cause and fix |`):\n" + string.Join('\n', missing));
    }

    [Fact]
    public void Every_documented_row_says_something()
    {
        var empty = DocumentedCodes().Where(d => d.Value.Length < 15).Select(d => d.Key).ToList();

        Assert.True(empty.Count == 0, "rows without a cause: " + string.Join(", ", empty));
    }

    [Fact]
    public void A_Kt_error_message_ends_with_its_code_and_keeps_the_detail_apart()
    {
        var error = new KtException("KT1001", "unknown step kind 'brew'");
        var already = new KtException("KT1015", "step failed; its output said: python3 missing (KT1020)");

        Assert.Equal("unknown step kind 'brew' (KT1001)", error.Message);
        Assert.Equal("unknown step kind 'brew'", error.Detail);
        Assert.EndsWith("(KT1020) (KT1015)", already.Message, StringComparison.Ordinal);
        Assert.Equal("done (KT2001)", new KtException("KT2001", "done (KT2001)").Message);
    }

    /// <summary>code → the row's text after the code, from every docs/errors-*.md table.</summary>
    private static Dictionary<string, string> DocumentedCodes()
    {
        var rows = new Dictionary<string, string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "docs"), "errors-*.md"))
        {
            foreach (Match row in DocRow().Matches(File.ReadAllText(file)))
            {
                rows.TryAdd(row.Groups["code"].Value, row.Groups["rest"].Value.Replace("|", " ", StringComparison.Ordinal).Trim());
            }
        }

        Assert.NotEmpty(rows);
        return rows;
    }

    /// <summary>code → where it first appears (file:line), over the product's sources and MSBuild files.</summary>
    private static SortedDictionary<string, string> CodesInSources()
    {
        var codes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var sources = Path.Combine(Root, "src");
        var files = Directory.EnumerateFiles(sources, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal) || f.EndsWith(".targets", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                foreach (Match code in Code().Matches(lines[i]))
                {
                    codes.TryAdd(code.Value, $"{Path.GetRelativePath(Root, file)}:{i + 1}");
                }
            }
        }

        return codes;
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9])KT\d{4}(?!\d)")]
    private static partial Regex Code();

    [GeneratedRegex(@"^\|\s*(?<code>KT\d{4})\s*\|(?<rest>.*)$", RegexOptions.Multiline)]
    private static partial Regex DocRow();
}
