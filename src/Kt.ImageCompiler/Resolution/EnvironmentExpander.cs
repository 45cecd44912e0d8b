using System.Text;

namespace Kt.ImageCompiler.Resolution;

/// <summary>
/// Expands <c>$VAR</c>, <c>${VAR}</c>, <c>${VAR:-default}</c> (the default when VAR is unset or empty) and
/// <c>${VAR:+alternative}</c> (the alternative when VAR is set and not empty) against an environment, as a Dockerfile
/// and a POSIX shell do; <c>\$</c> is a literal dollar. The default and alternative words are expanded too.
/// </summary>
public static class EnvironmentExpander
{
    /// <param name="keepUnknown">Keep references to unknown variables as written (for a Dockerfile, where Docker expands them against the real base).</param>
    public static string Expand(string value, IReadOnlyDictionary<string, string> environment, bool keepUnknown = false)
    {
        var result = new StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] == '$')
            {
                result.Append(keepUnknown ? "\\$" : "$");
                i++;
                continue;
            }

            if (c != '$' || i + 1 >= value.Length)
            {
                result.Append(c);
                continue;
            }

            if (value[i + 1] == '{')
            {
                var end = ClosingBrace(value, i + 2);
                if (end < 0)
                {
                    result.Append(c);
                    continue;
                }

                result.Append(Braced(value, i, end, environment, keepUnknown));
                i = end;
                continue;
            }

            var nameEnd = i + 1;
            while (nameEnd < value.Length && (char.IsAsciiLetterOrDigit(value[nameEnd]) || value[nameEnd] == '_'))
            {
                nameEnd++;
            }

            var name = value[(i + 1)..nameEnd];
            if (name.Length == 0)
            {
                result.Append(c);
                continue;
            }

            if (environment.TryGetValue(name, out var replacement))
            {
                result.Append(replacement);
            }
            else if (keepUnknown)
            {
                result.Append(value, i, nameEnd - i);
            }

            i = nameEnd - 1;
        }

        return result.ToString();
    }

    // ${NAME}, ${NAME:-word}, ${NAME:+word}; anything else inside the braces is kept as written when unknown.
    private static string Braced(string value, int dollar, int end, IReadOnlyDictionary<string, string> environment, bool keepUnknown)
    {
        var inner = value[(dollar + 2)..end];
        var written = value[dollar..(end + 1)];
        var colon = inner.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? inner : inner[..colon];
        var known = environment.TryGetValue(name, out var current);
        if (colon < 0)
        {
            return known ? current! : keepUnknown ? written : string.Empty;
        }

        var modifier = colon + 1 < inner.Length ? inner[colon + 1] : '\0';
        var word = colon + 2 <= inner.Length ? inner[(colon + 2)..] : string.Empty;
        var set = known && current!.Length > 0;
        switch (modifier)
        {
            case '-' when set:
                return current!;
            case '-' when !known && keepUnknown:
                return written; // Docker decides against the real base
            case '-':
                return Expand(word, environment, keepUnknown);
            case '+' when set:
                return Expand(word, environment, keepUnknown);
            case '+' when !known && keepUnknown:
                return written;
            case '+':
                return string.Empty;
            default:
                return keepUnknown ? written : known ? current! : string.Empty;
        }
    }

    // Nested braces (a default that itself names ${OTHER}) are balanced.
    private static int ClosingBrace(string value, int from)
    {
        var depth = 1;
        for (var i = from; i < value.Length; i++)
        {
            if (value[i] == '{')
            {
                depth++;
            }
            else if (value[i] == '}' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }
}
