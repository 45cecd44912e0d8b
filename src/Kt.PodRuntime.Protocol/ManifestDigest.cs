using System.Globalization;
using System.Text;

namespace Kt.PodRuntime.Protocol;

/// <summary>
/// The one digest of a code manifest: sha256 over its entries in path order (path, size, mode, hash), so identical
/// trees get identical digests on every side. The server names version folders by it; a sync without a version id
/// names the version by it.
/// </summary>
public static class ManifestDigest
{
    public static string Compute(ContentManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var text = new StringBuilder();
        foreach (var entry in manifest.Files.OrderBy(f => f.Path, StringComparer.Ordinal))
        {
            text.Append(entry.Path).Append('\0').Append(entry.Size.ToString(CultureInfo.InvariantCulture)).Append('\0')
                .Append(entry.Mode.ToString(CultureInfo.InvariantCulture)).Append('\0').Append(entry.Sha256).Append('\n');
        }

        return Digest.Compute(Encoding.UTF8.GetBytes(text.ToString())).Hex;
    }

    /// <summary>The version id a sync gives a manifest when none is named: a prefix of its digest.</summary>
    public static string VersionOf(ContentManifest manifest) => "v" + Compute(manifest)[..16];
}
