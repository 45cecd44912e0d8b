using System.Collections.Concurrent;
using Kt.ImageCompiler.Model;
using Kt.ImageCompiler.Resolution;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop;

/// <summary>
/// The definition resolved against each pod's base environment, as a freeze resolves it against the base image's
/// config: <c>PATH=/opt/x/bin:$PATH</c> is the same value live and frozen, under the same step key. Pods of one service
/// share a base, so each distinct base is resolved once; a definition that names no variable needs no second pass.
/// </summary>
internal sealed class PodBaseResolutions(string projectDirectory, ImageDefinition definition)
{
    private readonly ConcurrentDictionary<string, Lazy<ResolvedImage>> _byBase = new(StringComparer.Ordinal);
    private readonly bool _namesVariables = definition.Steps.Any(step => step.CanonicalArguments.Any(argument => argument.Contains('$', StringComparison.Ordinal)));

    /// <param name="withoutBase">The definition resolved with no base (the compile phase's), used when the pod reports none.</param>
    public ResolvedImage For(PodBase? podBase, ResolvedImage withoutBase)
    {
        if (podBase is null || !_namesVariables)
        {
            return withoutBase;
        }

        var identity = string.Join('\n', podBase.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));
        return _byBase.GetOrAdd(identity, _ => new Lazy<ResolvedImage>(() => new DefinitionResolver(projectDirectory).Resolve(definition, podBase.Environment))).Value;
    }
}
