using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using Kt.Core;

namespace Kt.Docker;

/// <summary>
/// Pulls one layer out of a <c>docker save</c> stream without unpacking the rest. The layer is identified by its
/// diff id (sha256 of the uncompressed tar, known from image inspect); the archive's manifest.json must agree that
/// it is the image's last layer. Works for both the legacy layout (<c>&lt;id&gt;/layer.tar</c>, Docker ≤ 24) and the
/// OCI layout (<c>blobs/sha256/…</c>, Docker ≥ 25), whatever order the entries come in.
/// </summary>
internal static class StepLayerExtractor
{
    public static async Task ExtractLastLayerAsync(Stream saveArchive, string expectedDiffId, string destinationPath, CancellationToken cancellationToken)
    {
        var partialPath = destinationPath + ".partial";
        var found = false;
        string? manifestLastLayer = null;
        var digestByName = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var reader = new TarReader(saveArchive, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                if (entry.DataStream is null || entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                {
                    continue;
                }

                var name = entry.Name.TrimStart('.', '/');
                if (name == "manifest.json")
                {
                    manifestLastLayer = await ReadLastManifestLayerAsync(entry.DataStream, cancellationToken).ConfigureAwait(false);
                }
                else if (LooksLikeLayer(name))
                {
                    // Until the wanted layer turns up every candidate is spooled to disk; afterwards only hashed.
                    var digest = await HashAsync(entry.DataStream, found ? null : partialPath, cancellationToken).ConfigureAwait(false);
                    digestByName[name] = digest;
                    found |= string.Equals(digest, expectedDiffId, StringComparison.OrdinalIgnoreCase);
                }
            }

            if (!found)
            {
                throw new KtException(DockerErrorCodes.LayerExtractionFailed,
                    $"the engine's archive of the committed step has no layer with diff id {expectedDiffId}.");
            }

            // Compare by content digest, not by name: a layer repeating an earlier one's bytes (two empty layers) may
            // have been matched under the other name, which is harmless.
            if (manifestLastLayer is null || !digestByName.TryGetValue(manifestLastLayer, out var lastDigest) ||
                !string.Equals(lastDigest, expectedDiffId, StringComparison.OrdinalIgnoreCase))
            {
                throw new KtException(DockerErrorCodes.LayerExtractionFailed,
                    $"the engine's image archive does not list the step's layer ({expectedDiffId}) last in manifest.json.");
            }

            File.Move(partialPath, destinationPath, overwrite: true);
        }
        finally
        {
            File.Delete(partialPath);
        }
    }

    private static bool LooksLikeLayer(string name) =>
        name.EndsWith("/layer.tar", StringComparison.Ordinal) || name.StartsWith("blobs/", StringComparison.Ordinal);

    /// <summary>Hashes the entry, copying it into <paramref name="spoolPath"/> on the way when one is given.</summary>
    private static async Task<string> HashAsync(Stream data, string? spoolPath, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 17];
        var file = spoolPath is null
            ? null
            : new FileStream(spoolPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using (file)
        {
            int read;
            while ((read = await data.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                if (file is not null)
                {
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static async Task<string?> ReadLastManifestLayerAsync(Stream data, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(data, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (document.RootElement.ValueKind != JsonValueKind.Array || document.RootElement.GetArrayLength() == 0)
        {
            return null;
        }

        var layers = document.RootElement[0].TryGetProperty("Layers", out var l) ? l : default;
        return layers.ValueKind == JsonValueKind.Array && layers.GetArrayLength() > 0
            ? layers[layers.GetArrayLength() - 1].GetString()
            : null;
    }
}
