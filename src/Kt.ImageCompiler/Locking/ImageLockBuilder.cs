using Kt.ImageCompiler.Freezing;
using Kt.ImageCompiler.Model;

namespace Kt.ImageCompiler.Locking;

/// <summary>The lockfile of a finished freeze: what its layers actually contain, not what the definition asked for.</summary>
public static class ImageLockBuilder
{
    public static async Task<ImageLock> BuildAsync(FreezeResult frozen, CancellationToken cancellationToken)
    {
        var layers = frozen.Steps.Where(o => o.Layer is not null).ToDictionary(o => o.Key, o => o.Layer!);
        var steps = new List<LockedStep>();
        foreach (var step in frozen.Resolved.Steps.Where(s => s.Step is not null))
        {
            var entry = new LockedStep(step.Key.Hex, step.Kind, step.Description);
            if (step.Effect == StepEffect.Command && layers.TryGetValue(step.Key.Hex, out var layer))
            {
                var packages = await LayerPackages.ReadAsync(layer.BlobPath, layer.MediaType, cancellationToken).ConfigureAwait(false);
                steps.Add(entry with { Apt = NullIfEmpty(packages.Apt), Pip = NullIfEmpty(packages.Pip), Tools = NullIfEmpty(packages.Tools) });
            }
            else if (step.Effect == StepEffect.Files)
            {
                steps.Add(entry with { Files = step.Files.Select(f => new LockedFile(f.ImagePath, f.Sha256)).ToList() });
            }
        }

        return new ImageLock(ImageLock.CurrentVersion, new LockedBase(frozen.Resolved.BaseReference, frozen.BaseDigest.ToString()), steps);
    }

    private static IReadOnlyList<LockedPackage>? NullIfEmpty(IReadOnlyList<LockedPackage> packages) => packages.Count == 0 ? null : packages;
}
