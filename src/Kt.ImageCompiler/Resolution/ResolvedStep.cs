using Kt.Core;
using Kt.ImageCompiler.Keys;
using Kt.ImageCompiler.Model;
using Kt.PodRuntime.Protocol;

namespace Kt.ImageCompiler.Resolution;

/// <summary>
/// A step after resolution against a project: its key, and everything a compiler needs — the shell text and the
/// environment/working directory/user in effect for command steps, the files for file steps.
/// </summary>
public sealed record ResolvedStep
{
    public required int Index { get; init; }

    public required StepKey Key { get; init; }

    public required string Kind { get; init; }

    public required StepEffect Effect { get; init; }

    public required string Description { get; init; }

    public bool Force { get; init; }

    /// <summary>The declared step; null for the app's layers.</summary>
    public SetupStep? Step { get; init; }

    /// <summary>For command steps: the text for <c>/bin/sh -c</c>.</summary>
    public string? Shell { get; init; }

    /// <summary>The environment in effect when this step runs (and, for env steps, after it).</summary>
    public required IReadOnlyDictionary<string, string> Environment { get; init; }

    public string? WorkingDirectory { get; init; }

    public string? User { get; init; }

    /// <summary>For copy/sync/app steps: the files placed, sorted by image path.</summary>
    public IReadOnlyList<ResolvedFile> Files { get; init; } = [];

    /// <summary>For copy/sync steps: the folder in the image the files go to (what a live sync mirrors).</summary>
    public string? Destination { get; init; }

    /// <summary>For apt/pip/dotnet-tool: the packages installed.</summary>
    public IReadOnlyList<string>? Packages { get; init; }

    /// <summary>
    /// For a command step a lockfile pinned: the exact specifications <see cref="Shell"/> installs (e.g.
    /// <c>jq=1.6-2.1</c>). The step key stays the declared step's, so live pods, journals and images name it alike.
    /// </summary>
    public IReadOnlyList<string>? Pins { get; init; }

    /// <summary>
    /// The step-layer cache entry: the key, or for a pinned step the key and its pinned command together, so a layer
    /// built from other versions under the same key is never taken for the locked one.
    /// </summary>
    public string CacheKey => Pins is null
        ? Key.Hex
        : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"kt-pinned/v1\n{Key.Hex}\n{Shell}")));

    public bool NeedsEngine => Effect == StepEffect.Command;

    /// <summary>The files as a content manifest relative to <see cref="Destination"/> (for live sync).</summary>
    public ContentManifest ManifestRelativeTo(string destination)
    {
        var prefix = destination.TrimEnd('/') + "/";
        return new ContentManifest(Files
            .Select(f => new ContentEntry(f.ImagePath.StartsWith(prefix, StringComparison.Ordinal) ? f.ImagePath[prefix.Length..] : f.ImagePath.TrimStart('/'), f.Size, f.Mode, f.Sha256))
            .ToList());
    }
}
