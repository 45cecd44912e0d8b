using Kt.Core;
using Kt.ImageCompiler;
using Kt.ImageCompiler.Freezing;
using Kt.ImageCompiler.Locking;
using Kt.ImageCompiler.Model;
using Kt.Oci;

namespace Kt.Workflows;

/// <summary>
/// A freeze's lockfile (<c>kt.lock.json</c> next to the csproj). Locked (<c>KtLocked=true</c>): the base by the
/// digest it names and every command step at its pinned versions, the lockfile left as it is. Unlocked: current
/// versions, then the lockfile rewritten from what the layers contain, with one line per change.
/// </summary>
public sealed record FreezeLock(string Path, bool Locked)
{
    /// <summary>The lockfile of a project folder.</summary>
    public static FreezeLock For(string projectDirectory, bool locked) => new(System.IO.Path.Combine(projectDirectory, ImageLock.FileName), locked);

    /// <summary>What a locked freeze installs from; null when unlocked. No lockfile, or another base, is KT1041.</summary>
    internal ImageLock? ToInstall(ImageDefinition definition)
    {
        if (!Locked)
        {
            return null;
        }

        var existing = ImageLock.TryRead(Path) ?? throw new KtException(ImageErrors.NotInLockfile,
            $"KtLocked=true but there is no lockfile at {Path}; freeze once without KtLocked=true to write it, and commit it.");
        if (existing.Base.Reference != definition.Base.Reference)
        {
            throw new KtException(ImageErrors.NotInLockfile,
                $"the base image {definition.Base.Reference} is not the one {Path} locks ({existing.Base.Reference}); freeze without KtLocked=true to update the lockfile.");
        }

        return existing;
    }

    /// <summary>The base as a locked freeze loads it: by the digest the lockfile recorded.</summary>
    internal static ImageReference BaseReference(ImageDefinition definition, ImageLock? locked)
    {
        var declared = ImageReference.Parse(definition.Base.Reference);
        return locked is null ? declared : declared.WithDigest(Digest.Parse(locked.Base.Digest));
    }

    /// <summary>
    /// After the image is written: an unlocked freeze records what it resolved and says what changed; its command
    /// layers are also remembered under their pinned cache keys, so a locked freeze right after reuses them.
    /// </summary>
    /// <returns>What the image's layers contain (the SBOM lists it), locked or not.</returns>
    internal async Task<ImageLock> RecordAsync(FreezeResult frozen, StepLayerCache stepCache, WorkflowOutput output, CancellationToken cancellationToken)
    {
        var resolved = await ImageLockBuilder.BuildAsync(frozen, cancellationToken).ConfigureAwait(false);
        if (Locked)
        {
            output.Progress($"locked: installed exactly what {Path} pins");
            return resolved;
        }

        var before = ImageLock.TryRead(Path);
        var pinned = LockPinning.Apply(frozen.Resolved, resolved, Path);
        foreach (var (step, outcome) in pinned.Steps.Zip(frozen.Resolved.Steps, (p, o) => (p, o)))
        {
            if (step.Pins is not null && frozen.Steps.FirstOrDefault(s => s.Key == outcome.Key.Hex)?.Layer is { } layer)
            {
                stepCache.Put(step.CacheKey, layer);
            }
        }

        if (before is not null && before.ToJson() == resolved.ToJson())
        {
            output.Progress($"lockfile {Path} unchanged");
            return resolved;
        }

        resolved.Write(Path);
        output.Progress($"lockfile {Path} updated");
        foreach (var change in LockChanges.Between(before, resolved))
        {
            output.Progress("  " + change);
        }

        return resolved;
    }
}
