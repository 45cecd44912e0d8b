using System.Text.Json;
using Kt.Core;
using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Resolution;

namespace Kt.ImageCompiler.Dockerfiles;

/// <summary>
/// Reads an existing Dockerfile as a starting point: FROM, ARG, RUN, ENV, COPY, WORKDIR, USER, SHELL, LABEL, EXPOSE, CMD
/// and ENTRYPOINT, with continuations, the <c># escape=</c> directive and <c>${VAR:-default}</c>. Anything else (a
/// second stage, COPY --from, ADD, VOLUME, HEALTHCHECK, ONBUILD) is refused with the file and line, because Kt could not
/// reproduce it in a live pod.
/// </summary>
/// <remarks>
/// ARG values (the default, or one given as a build argument) are substituted where Docker substitutes them, and in
/// RUN commands too (Docker hands them to RUN as environment variables; a substituted command does the same, and a
/// live pod has no build-time environment). ENV references stay as written: Kt resolves them against the base
/// image's environment, live and frozen alike.
/// </remarks>
public static class DockerfileParser
{
    private const string Supported = "FROM, ARG, RUN, ENV, COPY, WORKDIR, USER, SHELL, LABEL, EXPOSE, CMD, ENTRYPOINT";

    public static ImageDefinition ParseFile(string path, IReadOnlyDictionary<string, string>? buildArguments = null)
    {
        if (!File.Exists(path))
        {
            throw new KtException(ImageErrors.MalformedDockerfile, $"Dockerfile '{path}' does not exist.");
        }

        return Parse(File.ReadAllText(path), Path.GetFileName(path), buildArguments, Path.GetFullPath(path));
    }

    /// <param name="buildArguments">Values for the file's ARGs, as <c>docker build --build-arg</c> gives them.</param>
    /// <param name="filePath">The file errors point at (MSBuild File/LineNumber); default <paramref name="fileName"/>.</param>
    public static ImageDefinition Parse(string text, string fileName = "Dockerfile", IReadOnlyDictionary<string, string>? buildArguments = null, string? filePath = null)
    {
        var file = filePath ?? fileName;
        string? baseImage = null;
        IReadOnlyList<string>? entrypoint = null;
        IReadOnlyList<string>? cmd = null;
        IReadOnlyList<string> shell = ["/bin/sh", "-c"];
        var steps = new List<SetupStep>();
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var ports = new List<string>();
        var given = buildArguments ?? new Dictionary<string, string>();
        var globalArguments = new Dictionary<string, string>(StringComparer.Ordinal); // ARGs before FROM: for FROM only
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var (line, instruction, rest) in DockerfileLines.Read(text, file, fileName))
        {
            var at = new DockerfileLocation(file, fileName, line);
            if (baseImage is null && instruction is not ("FROM" or "ARG"))
            {
                throw at.Error(ImageErrors.MalformedDockerfile, $"the first instruction must be FROM (or ARG), not {instruction}.");
            }

            string Substitute(string value) => EnvironmentExpander.Expand(value, arguments, keepUnknown: true);

            switch (instruction)
            {
                case "ARG":
                    foreach (var (name, value) in ParseArguments(rest, at))
                    {
                        var scope = baseImage is null ? globalArguments : arguments;
                        // Inside a stage, a bare ARG takes the global default (Docker's rule); a given value wins always.
                        // An ARG with neither stays unset: its references are left to the shell (RUN) or refused (FROM).
                        var fallback = value is null ? globalArguments.GetValueOrDefault(name) : EnvironmentExpander.Expand(value, scope, keepUnknown: true);
                        if ((given.TryGetValue(name, out var fromBuild) ? fromBuild : fallback) is { } chosen)
                        {
                            scope[name] = chosen;
                        }
                    }

                    break;
                case "FROM" when baseImage is not null:
                    throw at.Error(ImageErrors.UnsupportedDockerfileInstruction, "a second FROM (multi-stage build) is not supported; Kt starts from one base image.");
                case "FROM":
                    baseImage = ParseFrom(EnvironmentExpander.Expand(rest, globalArguments, keepUnknown: true), at);
                    break;
                case "RUN":
                    steps.Add(new RunStep(RunCommand(Substitute(rest), shell, at)) { Origin = at.Origin });
                    break;
                case "ENV":
                    steps.AddRange(ParseEnv(Substitute(rest), at));
                    break;
                case "COPY":
                    steps.Add(ParseCopy(Substitute(rest), at));
                    break;
                case "WORKDIR":
                    steps.Add(new WorkDirStep(NotBlank(Substitute(rest), "WORKDIR's path", at)) { Origin = at.Origin });
                    break;
                case "USER":
                    steps.Add(new UserStep(NotBlank(Substitute(rest), "USER's name", at)) { Origin = at.Origin });
                    break;
                case "SHELL":
                    shell = rest.StartsWith('[') && ParseJsonArray(rest, at) is { Count: > 0 } form
                        ? form
                        : throw at.Error(ImageErrors.MalformedDockerfile, "SHELL takes the exec form, e.g. SHELL [\"/bin/bash\", \"-c\"].");
                    break;
                case "LABEL":
                    foreach (var (name, value) in ParsePairs(Substitute(rest), "LABEL", at))
                    {
                        labels[name] = value;
                    }

                    break;
                case "EXPOSE":
                    ports.AddRange(ShellWords.Split(Substitute(rest), at.Origin).Select(port => ParsePort(port, at)));
                    break;
                case "CMD":
                    cmd = ExecOrShellForm(rest, shell, at);
                    break;
                case "ENTRYPOINT":
                    entrypoint = ExecOrShellForm(rest, shell, at);
                    break;
                default:
                    throw at.Error(ImageErrors.UnsupportedDockerfileInstruction, $"instruction {instruction} is not supported (supported: {Supported}).");
            }
        }

        if (baseImage is null)
        {
            throw new DockerfileLocation(file, fileName, 0).Error(ImageErrors.MalformedDockerfile, "no FROM instruction.");
        }

        return new ImageDefinition(new ImageBase(baseImage, entrypoint, cmd), steps) { Labels = labels, ExposedPorts = ports.Distinct().ToList() };
    }

    private static string ParseFrom(string rest, DockerfileLocation at)
    {
        var parts = rest.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries).ToList();
        if (parts.Count > 0 && parts[0].StartsWith("--", StringComparison.Ordinal))
        {
            throw at.Error(ImageErrors.UnsupportedDockerfileInstruction, $"FROM flags ({parts[0]}) are not supported.");
        }

        if (parts.Count is not (1 or 3) || (parts.Count == 3 && !parts[1].Equals("AS", StringComparison.OrdinalIgnoreCase)))
        {
            throw at.Error(ImageErrors.MalformedDockerfile, "expected 'FROM image [AS name]'.");
        }

        if (parts[0].Contains('$', StringComparison.Ordinal))
        {
            throw at.Error(ImageErrors.MalformedDockerfile, $"'{parts[0]}' names an ARG without a value; declare it before FROM with a default, or give it as a build argument.");
        }

        return ImageReferenceSyntax.Validate(parts[0], at.Origin);
    }

    // ARG NAME, ARG NAME=default, several per line.
    private static IEnumerable<(string Name, string? Value)> ParseArguments(string rest, DockerfileLocation at)
    {
        var words = ShellWords.Split(rest, at.Origin);
        if (words.Count == 0)
        {
            throw at.Error(ImageErrors.MalformedDockerfile, "ARG needs a name.");
        }

        foreach (var word in words)
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            var name = eq < 0 ? word : word[..eq];
            yield return (StepValidation.EnvName(name, at.Origin), eq < 0 ? null : word[(eq + 1)..]);
        }
    }

    private static IEnumerable<SetupStep> ParseEnv(string rest, DockerfileLocation at)
    {
        var words = ShellWords.Split(rest, at.Origin);
        if (words.Count == 0)
        {
            throw at.Error(ImageErrors.MalformedDockerfile, "ENV needs a name and a value.");
        }

        // Legacy form "ENV NAME value with spaces".
        if (!words[0].Contains('=', StringComparison.Ordinal))
        {
            var name = words[0];
            var value = rest[(rest.IndexOf(name, StringComparison.Ordinal) + name.Length)..].Trim();
            yield return new SetEnvStep(StepValidation.EnvName(name, at.Origin), string.Join(' ', ShellWords.Split(value, at.Origin))) { Origin = at.Origin };
            yield break;
        }

        foreach (var (name, value) in ParsePairs(rest, "ENV", at))
        {
            yield return new SetEnvStep(StepValidation.EnvName(name, at.Origin), value) { Origin = at.Origin };
        }
    }

    private static IEnumerable<(string Name, string Value)> ParsePairs(string rest, string instruction, DockerfileLocation at)
    {
        var words = ShellWords.Split(rest, at.Origin);
        if (words.Count == 0)
        {
            throw at.Error(ImageErrors.MalformedDockerfile, $"{instruction} needs name=value.");
        }

        if (words.Count == 2 && !words[0].Contains('=', StringComparison.Ordinal))
        {
            yield return (words[0], words[1]); // legacy "LABEL name value"
            yield break;
        }

        foreach (var word in words)
        {
            var eq = word.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw at.Error(ImageErrors.MalformedDockerfile, $"'{word}' is not NAME=value.");
            }

            yield return (word[..eq], word[(eq + 1)..]);
        }
    }

    private static string ParsePort(string word, DockerfileLocation at)
    {
        try
        {
            return ImagePorts.Normalize(word, null, "EXPOSE");
        }
        catch (KtException e)
        {
            throw at.Error(e.Code, e.Detail);
        }
    }

    private static CopyStep ParseCopy(string rest, DockerfileLocation at)
    {
        var words = rest.TrimStart().StartsWith('[') ? ParseJsonArray(rest, at) : ShellWords.Split(rest, at.Origin);
        if (words.FirstOrDefault(w => w.StartsWith("--", StringComparison.Ordinal)) is { } flag)
        {
            throw at.Error(ImageErrors.UnsupportedDockerfileInstruction, $"COPY flags ({flag}) are not supported.");
        }

        if (words.Count != 2)
        {
            throw at.Error(ImageErrors.MalformedDockerfile, "expected 'COPY source destination' (one source per COPY).");
        }

        return new CopyStep(words[0], words[1]) { Origin = at.Origin };
    }

    // The exec form is run as written; the shell form through the current SHELL (the default needs no wrapping).
    private static string RunCommand(string rest, IReadOnlyList<string> shell, DockerfileLocation at)
    {
        if (rest.StartsWith('['))
        {
            return string.Join(' ', ParseJsonArray(rest, at).Select(ShellWords.Quote));
        }

        var command = NotBlank(rest, "RUN's command", at);
        return shell is ["/bin/sh", "-c"] ? command : string.Join(' ', shell.Append(command).Select(ShellWords.Quote));
    }

    private static IReadOnlyList<string> ExecOrShellForm(string rest, IReadOnlyList<string> shell, DockerfileLocation at) =>
        rest.StartsWith('[') ? ParseJsonArray(rest, at) : [.. shell, rest];

    private static string NotBlank(string value, string what, DockerfileLocation at) =>
        string.IsNullOrWhiteSpace(value) ? throw at.Error(ImageErrors.MalformedDockerfile, $"{what} is empty.") : value;

    private static List<string> ParseJsonArray(string rest, DockerfileLocation at)
    {
        try
        {
            return JsonSerializer.Deserialize<List<string>>(rest) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw at.Error(ImageErrors.MalformedDockerfile, $"invalid exec form (a JSON array of strings expected): {e.Message}");
        }
    }
}
