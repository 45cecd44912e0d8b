using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Microsoft.Build.Framework;

namespace Kt.MSBuild;

/// <summary>
/// The one home of a <c>KtSetup</c> item's origin: the text every error about a step starts with
/// (<c>KtSetup item 3 ('run')</c>, recorded in the definition), and back from it to the item's file and line. MSBuild
/// gives items their defining file (<c>DefiningProjectFullPath</c>) but no line: the line is the element's in that
/// file, the n-th <c>KtSetup</c> element with the same <c>Include</c> for the n-th such item defined there.
/// </summary>
internal static partial class SetupItemLocation
{
    /// <param name="position">1-based, in item order.</param>
    public static string Origin(int position, string kind) => $"KtSetup item {position} ('{kind}')";

    /// <summary>The item an origin (or a message starting with one) names, with its file and line; null when it names none.</summary>
    public static (string File, int Line)? Find(string? originOrMessage, IReadOnlyList<ITaskItem> items)
    {
        var match = originOrMessage is null ? null : OriginPattern().Match(originOrMessage);
        if (match is not { Success: true } || !int.TryParse(match.Groups["position"].Value, out var position) || position < 1 || position > items.Count)
        {
            return null;
        }

        var item = items[position - 1];
        var file = item.GetMetadata("DefiningProjectFullPath");
        if (string.IsNullOrEmpty(file) || !File.Exists(file))
        {
            return null;
        }

        var kind = item.ItemSpec.Trim();
        var sameBefore = items.Take(position - 1).Count(i => SameFile(i, file) && Same(i.ItemSpec, kind));
        return (file, LineOf(file, kind, sameBefore));
    }

    private static int LineOf(string file, string kind, int index)
    {
        try
        {
            var elements = XDocument.Load(file, LoadOptions.SetLineInfo).Descendants()
                .Where(e => e.Name.LocalName == "KtSetup" && Same(e.Attribute("Include")?.Value ?? "", kind)).ToList();
            return index < elements.Count ? ((IXmlLineInfo)elements[index]).LineNumber : 0;
        }
        catch (XmlException)
        {
            return 0; // MSBuild read it, so this does not happen; the file alone still points the right way
        }
    }

    private static bool SameFile(ITaskItem item, string file) => string.Equals(item.GetMetadata("DefiningProjectFullPath"), file, StringComparison.Ordinal);

    private static bool Same(string a, string b) => string.Equals(a.Trim(), b.Trim(), StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^KtSetup item (?<position>\d+) \(")]
    private static partial Regex OriginPattern();
}
