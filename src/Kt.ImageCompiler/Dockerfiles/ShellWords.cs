using System.Text;
using Kt.Core;

namespace Kt.ImageCompiler.Dockerfiles;

/// <summary>Minimal POSIX-shell word handling: splitting Dockerfile arguments and quoting what Kt emits.</summary>
public static class ShellWords
{
    /// <summary>Single-quotes a word unless it is made of characters the shell never interprets.</summary>
    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@+,%".Contains(c, StringComparison.Ordinal)))
        {
            return word;
        }

        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    public static List<string> Split(string text, string origin)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote is not null)
            {
                if (c == quote)
                {
                    quote = null;
                }
                else if (c == '\\' && quote == '"' && i + 1 < text.Length)
                {
                    current.Append(text[++i]);
                }
                else
                {
                    current.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' or '\'':
                    quote = c;
                    inWord = true;
                    break;
                case '\\' when i + 1 < text.Length:
                    current.Append(text[++i]);
                    inWord = true;
                    break;
                case ' ' or '\t':
                    if (inWord)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                        inWord = false;
                    }

                    break;
                default:
                    current.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (quote is not null)
        {
            throw new KtException(ImageErrors.MalformedDockerfile, $"{origin}: unterminated quote.");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
