using System.Text;
using Kt.Core;

namespace Kt.ImageCompiler.Dockerfiles;

/// <summary>
/// A Dockerfile's logical lines: parser directives (<c># escape=`</c>; <c># syntax=</c> and <c># check=</c> are
/// accepted and ignored) only at the very top, continuations joined with the escape character, comments and blank
/// lines skipped (also inside a continued instruction, as Docker does); each yields its first line number.
/// </summary>
internal static class DockerfileLines
{
    public static IEnumerable<(int Line, string Instruction, string Arguments)> Read(string text, string file, string fileName)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var escape = '\\';
        var first = 0;
        for (; first < lines.Length; first++)
        {
            if (Directive(lines[first]) is not { } directive)
            {
                break;
            }

            if (directive.Name == "escape")
            {
                escape = directive.Value is "\\" or "`" ? directive.Value[0]
                    : throw new DockerfileLocation(file, fileName, first + 1).Error(ImageErrors.MalformedDockerfile, $"'# escape={directive.Value}': the escape character is \\ or `.");
            }
        }

        var buffer = new StringBuilder();
        var start = 0;
        for (var i = first; i < lines.Length; i++)
        {
            var trimmed = lines[i].Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }

            if (buffer.Length == 0)
            {
                start = i + 1;
            }

            if (trimmed.EndsWith(escape))
            {
                buffer.Append(trimmed[..^1]).Append(' ');
                continue;
            }

            buffer.Append(trimmed);
            var logical = buffer.ToString().Trim();
            buffer.Clear();
            var space = logical.IndexOfAny([' ', '\t']);
            var instruction = (space < 0 ? logical : logical[..space]).ToUpperInvariant();
            var rest = space < 0 ? "" : logical[(space + 1)..].Trim();
            yield return (start, instruction, rest);
        }

        if (buffer.Length > 0)
        {
            throw new DockerfileLocation(file, fileName, start).Error(ImageErrors.MalformedDockerfile, $"the last instruction ends with a '{escape}' continuation.");
        }
    }

    // "# name=value" with a known directive name; the first line that is not one ends the directives.
    private static (string Name, string Value)? Directive(string line)
    {
        var trimmed = line.Trim();
        if (!trimmed.StartsWith('#'))
        {
            return null;
        }

        var body = trimmed[1..].Trim();
        var eq = body.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return null;
        }

        var name = body[..eq].Trim().ToLowerInvariant();
        return name is "escape" or "syntax" or "check" ? (name, body[(eq + 1)..].Trim()) : null;
    }
}
