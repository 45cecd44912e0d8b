using System.Text;
using System.Text.RegularExpressions;

namespace Kt.ImageCompiler.Resolution;

/// <summary>Glob patterns over '/' paths: <c>*</c> (within a segment), <c>**</c> (any depth), <c>?</c>, <c>[…]</c>.</summary>
public static class GlobMatcher
{
    public static Func<string, bool> Create(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(?:.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[')
            {
                var close = pattern.IndexOf(']', i + 1);
                if (close < 0)
                {
                    regex.Append(@"\[");
                }
                else
                {
                    regex.Append('[').Append(pattern[(i + 1)..close].Replace("\\", "\\\\", StringComparison.Ordinal)).Append(']');
                    i = close;
                }
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }

        var compiled = new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
        return compiled.IsMatch;
    }
}
