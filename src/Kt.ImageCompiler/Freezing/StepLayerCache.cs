using System.Text.Json;
using Kt.Core;
using Kt.Oci;

namespace Kt.ImageCompiler.Freezing;

/// <summary>
/// Remembers the layer each step key produced (a small JSON record per key next to the blob cache). A hit is used only
/// when its blob is still in the blob cache and verifies, so an unchanged prefix never runs or re-tars again.
/// </summary>
public sealed class StepLayerCache(BlobCache blobs, string? root = null)
{
    private readonly string _root = root ?? Path.Combine(Path.GetDirectoryName(blobs.Root.TrimEnd('/'))!, "steps");

    private sealed record Entry(string DiffId, string Digest, long Size, string MediaType);

    public async Task<Layer?> TryGetAsync(string key, CancellationToken cancellationToken)
    {
        var file = Path.Combine(_root, key + ".json");
        if (!File.Exists(file))
        {
            return null;
        }

        var entry = JsonSerializer.Deserialize<Entry>(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false));
        if (entry is null || !Kt.Core.Digest.TryParse(entry.Digest, out var digest) || !Kt.Core.Digest.TryParse(entry.DiffId, out var diffId))
        {
            return null;
        }

        var path = await blobs.TryGetVerifiedAsync(digest, cancellationToken).ConfigureAwait(false);
        return path is null ? null : new Layer(diffId, digest, entry.Size, entry.MediaType, path);
    }

    public void Put(string key, Layer layer)
    {
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, key + ".json");
        var temp = file + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(new Entry(layer.DiffId.ToString(), layer.Digest.ToString(), layer.Size, layer.MediaType)));
        File.Move(temp, file, overwrite: true);
    }
}
