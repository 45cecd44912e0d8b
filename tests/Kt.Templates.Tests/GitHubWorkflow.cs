using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Kt.Templates.Tests;

/// <summary>
/// A GitHub Actions workflow read the way the runner reads it, as far as a local run needs: the workflow, job and step
/// <c>env:</c> maps with their <c>${{ }}</c> expressions evaluated, and each step's <c>run:</c> script or
/// <c>uses:</c> action. Expressions are limited to context values joined by <c>||</c> with quoted fallbacks; anything
/// else fails loudly rather than being guessed.
/// </summary>
internal sealed partial class GitHubWorkflow
{
    private readonly YamlMappingNode _workflow;
    private readonly YamlMappingNode _job;

    private GitHubWorkflow(YamlMappingNode workflow, YamlMappingNode job)
    {
        _workflow = workflow;
        _job = job;
    }

    public sealed record Step(string Name, string? Run, string? Uses, IReadOnlyDictionary<string, string> Env, IReadOnlyDictionary<string, string> With);

    public static GitHubWorkflow Load(string file, string job)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(file))
        {
            yaml.Load(reader);
        }

        var workflow = (YamlMappingNode)yaml.Documents[0].RootNode;
        var jobs = (YamlMappingNode)workflow["jobs"];
        return new GitHubWorkflow(workflow, (YamlMappingNode)jobs[job]);
    }

    /// <summary>The workflow's and the job's <c>env:</c>, evaluated against <paramref name="context"/>.</summary>
    public IReadOnlyDictionary<string, string> Environment(IReadOnlyDictionary<string, string> context)
    {
        var env = new Dictionary<string, string>();
        foreach (var node in new[] { _workflow, _job })
        {
            foreach (var (key, value) in MapOf(node, "env", context))
            {
                env[key] = value;
            }
        }

        return env;
    }

    public IReadOnlyList<Step> Steps(IReadOnlyDictionary<string, string> context) =>
        [.. ((YamlSequenceNode)_job["steps"]).Children.Cast<YamlMappingNode>().Select(step => new Step(
            Scalar(step, "name") ?? Scalar(step, "uses") ?? Scalar(step, "run")!,
            Scalar(step, "run"),
            Scalar(step, "uses"),
            MapOf(step, "env", context),
            // An action's inputs are the action's business (hashFiles, …): kept as written.
            MapOf(step, "with", context: null)))];

    /// <summary>Replaces each <c>${{ expression }}</c> in <paramref name="text"/>.</summary>
    public static string Evaluate(string text, IReadOnlyDictionary<string, string> context) =>
        Expression().Replace(text, match =>
        {
            foreach (var operand in match.Groups["body"].Value.Split("||").Select(o => o.Trim()))
            {
                var value = operand switch
                {
                    _ when operand.Length >= 2 && operand[0] == '\'' && operand[^1] == '\'' => operand[1..^1],
                    _ when ContextPath().IsMatch(operand) => context.GetValueOrDefault(operand, ""),
                    _ => throw new NotSupportedException($"expression '{match.Value}' is more than context values joined by ||"),
                };
                if (value.Length > 0)
                {
                    return value;
                }
            }

            return "";
        });

    private static Dictionary<string, string> MapOf(YamlMappingNode node, string key, IReadOnlyDictionary<string, string>? context) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var map)
            ? ((YamlMappingNode)map).Children.ToDictionary(
                p => ((YamlScalarNode)p.Key).Value!,
                p => context is null ? ((YamlScalarNode)p.Value).Value ?? "" : Evaluate(((YamlScalarNode)p.Value).Value ?? "", context))
            : [];

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;

    [GeneratedRegex(@"\$\{\{(?<body>.*?)\}\}")]
    private static partial Regex Expression();

    [GeneratedRegex(@"^[a-z]+(\.[A-Za-z_][A-Za-z0-9_]*)+$")]
    private static partial Regex ContextPath();
}
