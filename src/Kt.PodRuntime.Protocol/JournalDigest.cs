using System.Text;

namespace Kt.PodRuntime.Protocol;

/// <summary>
/// One digest of a pod's setup as a deploy plans against it: the journaled step keys in order and the last plan's
/// outcome. A client that read a journal sends it with a sync (<c>journal</c> of <see cref="ActivateRequest"/> and
/// <see cref="ManifestChanges"/>) to say "I checked the setup against this"; a pod whose journal moved since refuses
/// the sync (KT4055), so a deploy may skip reading the journal when nothing it knows of changed.
/// </summary>
public static class JournalDigest
{
    public static string Compute(IReadOnlyList<JournalEntry> entries, string setup)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder(setup).Append('\n');
        foreach (var entry in entries)
        {
            text.Append(entry.Key).Append('\n');
        }

        return Digest.Compute(Encoding.UTF8.GetBytes(text.ToString())).Hex;
    }
}
