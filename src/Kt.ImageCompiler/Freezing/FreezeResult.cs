using Kt.ImageCompiler.Resolution;
using Kt.Oci;

namespace Kt.ImageCompiler.Freezing;

/// <summary>What a freeze produced: the image (manifest, config, layers), how each step was obtained, and the base's manifest digest.</summary>
public sealed record FreezeResult(OciImage Image, ResolvedImage Resolved, IReadOnlyList<StepOutcome> Steps, Kt.Core.Digest BaseDigest)
{
    public int StepsRun => Steps.Count(s => s.Outcome == StepOutcomeKind.Ran);
}

public enum StepOutcomeKind
{
    /// <summary>Metadata only, no layer.</summary>
    Metadata,

    /// <summary>The layer came from the step cache.</summary>
    Cached,

    /// <summary>A file layer was built now, without a daemon.</summary>
    Built,

    /// <summary>The command ran on the container engine now.</summary>
    Ran,
}

public sealed record StepOutcome(string Key, string Description, StepOutcomeKind Outcome, Layer? Layer);
