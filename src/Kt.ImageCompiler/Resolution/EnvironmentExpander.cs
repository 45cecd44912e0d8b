using System.Text;

namespace Kt.ImageCompiler.Resolution;

/// <summary>Expands <c>$VAR</c> and <c>${VAR}</c> against an environment; <c>\$</c> is a literal dollar.</summary>
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

            int end;
            string name;
            if (value[i + 1] == '{')
            {
                end = value.IndexOf('}', i + 2);
                if (end < 0)
                {
                    result.Append(c);
                    continue;
                }

                name = value[(i + 2)..end];
            }
            else
            {
                end = i + 1;
                while (end < value.Length && (char.IsAsciiLetterOrDigit(value[end]) || value[end] == '_'))
                {
                    end++;
                }

                name = value[(i + 1)..end];
                end--;
                if (name.Length == 0)
                {
                    result.Append(c);
                    continue;
                }
            }

            if (environment.TryGetValue(name, out var replacement))
            {
                result.Append(replacement);
            }
            else if (keepUnknown)
            {
                result.Append(value, i, end - i + 1);
            }

            i = end;
        }

        return result.ToString();
    }
}
