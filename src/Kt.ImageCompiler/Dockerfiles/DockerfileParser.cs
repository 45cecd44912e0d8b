using System.Text.Json;
using Kt.Core;
using Kt.ImageCompiler.Model;

namespace Kt.ImageCompiler.Dockerfiles;

/// <summary>
/// Reads an existing Dockerfile as a starting point: FROM, RUN, ENV, COPY, WORKDIR, USER, CMD and ENTRYPOINT, with
/// <c>\</c> continuations. Anything else (or a second stage, or COPY --from) is refused with the file and line, because
/// Kt could not reproduce it in a live pod.
/// </summary>
public static class DockerfileParser
{
    public static ImageDefinition ParseFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new KtException(ImageErrors.MalformedDockerfile, $"Dockerfile '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path), Path.GetFileName(path));
    }

    public static ImageDefinition Parse(string text, string fileName = "Dockerfile")
    {
        string? baseImage = null;
        IReadOnlyList<string>? entrypoint = null;
        IReadOnlyList<string>? cmd = null;
        var steps = new List<SetupStep>();

        foreach (var (line, instruction, rest) in LogicalLines(text))
        {
            var origin = $"{fileName}:{line}";
            if (baseImage is null && instruction != "FROM")
            {
                throw new KtException(ImageErrors.MalformedDockerfile, $"{origin}: the first instruction must be FROM, not {instruction}.");
            }

            switch (instruction)
            {
                case "FROM" when baseImage is not null:
                    throw new KtException(ImageErrors.UnsupportedDockerfileInstruction,
                        $"{origin}: a second FROM (multi-stage build) is not supported; Kt starts from one base image.");
                case "FROM":
                    baseImage = ParseFrom(rest, origin);
                    break;
                case "RUN":
                    steps.Add(new RunStep(ShellOrExec(rest, origin)) { Origin = origin });
                    break;
                case "ENV":
                    steps.AddRange(ParseEnv(rest, origin));
                    break;
                case "COPY":
                    steps.Add(ParseCopy(rest, origin));
                    break;
                case "WORKDIR":
                    steps.Add(new WorkDirStep(StepValidation.NotBlank(rest, "WORKDIR's path", origin)) { Origin = origin });
                    break;
                case "USER":
                    steps.Add(new UserStep(StepValidation.NotBlank(rest, "USER's name", origin)) { Origin = origin });
                    break;
                case "CMD":
                    cmd = ExecOrShellForm(rest, origin);
                    break;
                case "ENTRYPOINT":
                    entrypoint = ExecOrShellForm(rest, origin);
                    break;
                default:
                    throw new KtException(ImageErrors.UnsupportedDockerfileInstruction,
                        $"{origin}: instruction {instruction} is not supported (supported: FROM, RUN, ENV, COPY, WORKDIR, USER, CMD, ENTRYPOINT).");
            }
        }

        if (baseImage is null)
        {
            throw new KtException(ImageErrors.MalformedDockerfile, $"{fileName}: no FROM instruction.");
        }

        return new ImageDefinition(new ImageBase(baseImage, entrypoint, cmd), steps);
    }

    /// <summary>Joins continuation lines and skips comments and blank lines; yields the first line number of each instruction.</summary>
    private static IEnumerable<(int Line, string Instruction, string Arguments)> LogicalLines(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var buffer = new System.Text.StringBuilder();
        var start = 0;
        for (var i = 0; i < lines.Length; i++)
        {
            var raw = lines[i];
            var trimmed = raw.Trim();
            if (buffer.Length == 0)
            {
                if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                {
                    continue;
                }

                start = i + 1;
            }
            else if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue; // blank lines and comments inside a continued instruction are dropped, as Docker does
            }

            if (trimmed.EndsWith('\\'))
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
            throw new KtException(ImageErrors.MalformedDockerfile, $"Dockerfile line {start}: the last instruction ends with a '\\' continuation.");
        }
    }

    private static string ParseFrom(string rest, string origin)
    {
        var parts = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();
        if (parts.Count > 0 && parts[0].StartsWith("--", StringComparison.Ordinal))
        {
            throw new KtException(ImageErrors.UnsupportedDockerfileInstruction, $"{origin}: FROM flags ({parts[0]}) are not supported.");
        }

        if (parts.Count is not (1 or 3) || (parts.Count == 3 && !parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase)))
        {
            throw new KtException(ImageErrors.MalformedDockerfile, $"{origin}: expected 'FROM image [AS name]'.");
        }

        return ImageReferenceSyntax.Validate(parts[0], origin);
    }

    private static IEnumerable<SetupStep> ParseEnv(string rest, string origin)
    {
        var words = ShellWords.Split(rest, origin);
        if (words.Count == 0)
        {
            throw new KtException(ImageErrors.MalformedDockerfile, $"{origin}: ENV needs a name and a value.");
        }

        // Legacy form "ENV NAME value with spaces".
        if (!words[0].Contains('=', StringComparison.Ordinal))
        {
            var name = words[0];
            var value = rest[(rest.IndexOf(name, StringComparison.Ordinal) + name.Length)..].Trim();
            yield return new SetEnvStep(StepValidation.EnvName(name, origin), string.Join(' ', ShellWords.Split(value, origin))) { Origin = origin };
            yield break;
        }

        foreach (var word in words)
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new KtException(ImageErrors.MalformedDockerfile, $"{origin}: '{word}' is not NAME=value.");
            }

            yield return new SetEnvStep(StepValidation.EnvName(word[..eq], origin), word[(eq + 1)..]) { Origin = origin };
        }
    }

    private static CopyStep ParseCopy(string rest, string origin)
    {
        var words = rest.TrimStart().StartsWith('[') ? ParseJsonArray(rest, origin) : ShellWords.Split(rest, origin);
        if (words.Any(w => w.StartsWith("--", StringComparison.Ordinal)))
        {
            throw new KtException(ImageErrors.UnsupportedDockerfileInstruction,
                $"{origin}: COPY flags ({words.First(w => w.StartsWith("--", StringComparison.Ordinal))}) are not supported.");
        }

        if (words.Count != 2)
        {
            throw new KtException(ImageErrors.MalformedDockerfile, $"{origin}: expected 'COPY source destination' (one source per COPY).");
        }

        return new CopyStep(words[0], words[1]) { Origin = origin };
    }

    private static string ShellOrExec(string rest, string origin) =>
        rest.StartsWith('[') ? string.Join(' ', ParseJsonArray(rest, origin).Select(ShellWords.Quote)) : StepValidation.NotBlank(rest, "RUN's command", origin);

    private static IReadOnlyList<string> ExecOrShellForm(string rest, string origin) =>
        rest.StartsWith('[') ? ParseJsonArray(rest, origin) : ["/bin/sh", "-c", rest];

    private static List<string> ParseJsonArray(string rest, string origin)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(rest) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new KtException(ImageErrors.MalformedDockerfile, $"{origin}: invalid exec form (a JSON array of strings expected): {e.Message}");
        }
    }
}
