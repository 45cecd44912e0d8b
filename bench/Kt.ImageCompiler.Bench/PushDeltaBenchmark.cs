using System.Globalization;
using Kt.ImageCompiler.Freezing;
using Kt.Oci;

namespace Kt.ImageCompiler.Bench;

/// <summary>
/// Figure 3: bytes pushed after a code-only change, against the compressed size of the layer(s) the change produced.
/// The second push uses a fresh registry client, so nothing is skipped because the client remembers it: the registry
/// is asked (HEAD) about every blob. The ratio counts layer bytes only; config and manifest are reported in the note.
/// </summary>
internal static class PushDeltaBenchmark
{
    public const string Name = "bytes pushed after a code-only change";

    public static async Task<BenchFigure> RunAsync(BenchContext context, SampleApp app, CancellationToken cancellationToken)
    {
        var kt = new KtImages(app.Root, context.Folder("cache-delta"), context.RegistryClient);
        var target = ImageReference.Parse($"{BenchContext.Registry}/kt-bench/delta");

        // The app as the previous benchmark left it (published) is the image already "in the registry".
        var before = await kt.FreezeAsync(cancellationToken).ConfigureAwait(false);
        await ImageOutputWriter.WriteAsync(before.Image, new ImageOutputs { PushRepository = target }, context.RegistryClient, cancellationToken: cancellationToken)
            .ConfigureAwait(false);

        app.ChangeCode(context.NextMarker());
        await app.PublishAsync(cancellationToken).ConfigureAwait(false);
        var after = await kt.FreezeAsync(cancellationToken).ConfigureAwait(false);
        long uploaded;
        using (var fresh = new RegistryClient())
        {
            var written = await ImageOutputWriter.WriteAsync(after.Image, new ImageOutputs { PushRepository = target }, fresh, cancellationToken: cancellationToken)
                .ConfigureAwait(false);
            uploaded = written.BytesUploaded;
        }

        var previous = before.Image.Layers.Select(l => l.Descriptor.Digest).ToHashSet();
        var changed = after.Image.Layers.Where(l => !previous.Contains(l.Descriptor.Digest)).ToList();
        var changedBytes = changed.Sum(l => l.Descriptor.Size);
        // BytesUploaded counts blob bodies: the layers and the config (new, since its diff_ids changed), not the manifest.
        var configBytes = after.Image.Config.Bytes.Length;
        var manifestBytes = after.Image.Manifest.Bytes.Length;
        var layerBytes = uploaded - configBytes;
        var ratio = changedBytes == 0 ? double.NaN : (double)layerBytes / changedBytes;
        var changedSteps = after.Steps.Where(s => s.Layer is { } layer && changed.Any(c => c.Descriptor.Digest == layer.Digest)).Select(s => s.Description);
        var note = string.Create(CultureInfo.InvariantCulture,
            $"ratio on layer bytes; changed layer(s): {changed.Count} ({string.Join(", ", changedSteps)}); "
            + $"with config ({configBytes} B) and manifest ({manifestBytes} B) the push sent {uploaded + manifestBytes} B");
        return new BenchFigure(Name, layerBytes, "B", changedBytes, Math.Round(ratio, 3), "<= 1.05 (pushed/layer)", ratio <= 1.05, note);
    }
}
