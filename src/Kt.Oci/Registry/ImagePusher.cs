using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// Pushes an <see cref="OciImage"/>: layers in parallel (bounded), each one skipped when the repository has it (HEAD),
/// mounted when another repository of the registry is known to hold it, else uploaded; then the config; then the
/// manifest PUT once per tag.
/// </summary>
public sealed class ImagePusher(RegistryClient client)
{
    /// <param name="reference">Target repository; its tag (if any) is pushed.</param>
    /// <param name="tags">Further tags to point at the same manifest.</param>
    public async Task<PushResult> PushAsync(OciImage image, ImageReference reference, IReadOnlyList<string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(reference);
        // The whole push is bounded too: idle bounds catch a silent registry, this one a registry that trickles forever.
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(client.Options.PushTimeout);
        var progress = new PushProgress(client.Options.Progress, reference, image.Layers.DistinctBy(l => l.Descriptor.Digest).Count() + 1);
        try
        {
            return await PushBoundedAsync(image, reference, tags, progress, bound.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException && bound.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new KtException(OciErrors.PushTooLong, $"The push to {reference.Registry}/{reference.Repository} did not finish within {client.Options.PushTimeout.TotalMinutes:0.#} min ({progress.Done} of {progress.Total} blobs done); the registry is too slow or stalled.", e);
        }
    }

    private async Task<PushResult> PushBoundedAsync(OciImage image, ImageReference reference, IReadOnlyList<string>? tags, PushProgress progress, CancellationToken cancellationToken)
    {
        var before = client.BytesUploaded;
        int uploaded = 0, skipped = 0, mounted = 0;

        await Parallel.ForEachAsync(
            image.Layers.DistinctBy(l => l.Descriptor.Digest),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, client.Options.MaxParallelTransfers), CancellationToken = cancellationToken },
            async (layer, ct) =>
            {
                var outcome = await PushBlobAsync(layer.Descriptor, layer.Source, layer.KnownIn, reference, ct).ConfigureAwait(false);
                switch (outcome)
                {
                    case BlobOutcome.Skipped: Interlocked.Increment(ref skipped); break;
                    case BlobOutcome.Mounted: Interlocked.Increment(ref mounted); break;
                    default: Interlocked.Increment(ref uploaded); break;
                }

                progress.Report(layer.Descriptor, outcome);
            }).ConfigureAwait(false);

        var config = image.Manifest.Value.Config;
        progress.Report(config, await PushBlobAsync(config, new MemoryBlobSource(image.Config.Bytes), null, reference, cancellationToken).ConfigureAwait(false));

        var targets = new List<string>();
        if (reference.Tag is { } tag)
        {
            targets.Add(tag);
        }

        targets.AddRange((tags ?? []).Where(t => !targets.Contains(t)));
        if (targets.Count == 0)
        {
            targets.Add(image.ManifestDigest.ToString());
        }

        var written = new List<ImageReference>();
        foreach (var target in targets)
        {
            var digest = await client.PutManifestAsync(reference, target, image.Manifest.Bytes, image.ManifestMediaType, cancellationToken).ConfigureAwait(false);
            var pushed = Digest.TryParse(target, out var pinned) ? reference.WithDigest(pinned) : reference.WithTag(target);
            written.Add(pushed.WithDigest(digest));
        }

        return new PushResult(image.ManifestDigest, written, uploaded, skipped, mounted, client.BytesUploaded - before);
    }

    private async Task<BlobOutcome> PushBlobAsync(Descriptor descriptor, IBlobSource source, ImageReference? knownIn, ImageReference reference, CancellationToken cancellationToken)
    {
        var digest = descriptor.Digest;
        if (await client.BlobExistsAsync(reference, digest, cancellationToken).ConfigureAwait(false))
        {
            client.RememberBlobLocation(reference, digest);
            return BlobOutcome.Skipped;
        }

        var from = knownIn is { } origin && origin.Registry == reference.Registry && origin.Repository != reference.Repository
            ? origin.Repository
            : client.KnownRepositoryFor(reference.Registry, digest);
        if (from is not null && from != reference.Repository
            && await client.TryMountBlobAsync(reference, digest, from, cancellationToken).ConfigureAwait(false))
        {
            return BlobOutcome.Mounted;
        }

        await client.UploadBlobAsync(reference, descriptor, ct => source.OpenBlobAsync(descriptor, ct), cancellationToken).ConfigureAwait(false);
        return BlobOutcome.Uploaded;
    }

    private sealed class MemoryBlobSource(ReadOnlyMemory<byte> bytes) : IBlobSource
    {
        public Task<Stream> OpenBlobAsync(Descriptor descriptor, CancellationToken cancellationToken = default) =>
            Task.FromResult<Stream>(new MemoryStream(bytes.ToArray(), writable: false));
    }

    internal enum BlobOutcome
    {
        Uploaded,
        Skipped,
        Mounted,
    }
}

/// <summary>One line per blob of a push (what happened, how far along), so a slow push shows it is moving.</summary>
internal sealed class PushProgress(Action<string>? output, ImageReference reference, int total)
{
    private int _done;

    public int Done => Volatile.Read(ref _done);

    public int Total => total;

    public void Report(Descriptor blob, ImagePusher.BlobOutcome outcome)
    {
        var done = Interlocked.Increment(ref _done);
        var what = outcome switch { ImagePusher.BlobOutcome.Skipped => "already there", ImagePusher.BlobOutcome.Mounted => "mounted", _ => "uploaded" };
        output?.Invoke($"push {reference.Registry}/{reference.Repository}: {blob.Digest.Hex[..12]} ({blob.Size / 1048576.0:0.0} MiB) {what} ({done}/{total})");
    }
}
