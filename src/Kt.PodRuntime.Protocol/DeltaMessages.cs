using System.Text.Json.Serialization;

namespace Kt.PodRuntime.Protocol;

/// <summary>
/// The answer of <c>GET /code/delta</c>: what the pod's worker runtime can apply (the runtime's own Edit-and-Continue
/// capability names, e.g. <c>Baseline AddMethodToExistingType NewTypeDefinition</c>; empty when it applies none) and
/// the version its worker serves, deltas included (<c>base+N</c>).
/// </summary>
public sealed record DeltaCapabilities(
    [property: JsonPropertyName("capabilities")] string Capabilities,
    [property: JsonPropertyName("version")] string? Version);

/// <summary>
/// The body of <c>POST /code/delta</c>: one generation of IL deltas, applied whole on top of <see cref="BaseVersion"/>
/// (the version the worker serves now, <c>X</c> or <c>X+N</c>): it serves <c>X+(N+1)</c> afterwards. A pod that serves
/// anything else refuses it (KT4071), so every pod gets the same deltas in the same order.
/// </summary>
public sealed record DeltaRequest(
    [property: JsonPropertyName("baseVersion")] string BaseVersion,
    [property: JsonPropertyName("updates")] IReadOnlyList<AssemblyDelta> Updates);

/// <summary>
/// One assembly's delta, as <c>System.Reflection.Metadata.MetadataUpdater.ApplyUpdate</c> takes it, for the module
/// whose MVID is <see cref="ModuleId"/> (the one the worker loaded, else KT4071).
/// </summary>
public sealed record AssemblyDelta(
    [property: JsonPropertyName("assembly")] string Assembly,
    [property: JsonPropertyName("moduleId")] Guid ModuleId,
    [property: JsonPropertyName("metadata")] byte[] Metadata,
    [property: JsonPropertyName("il")] byte[] IL,
    [property: JsonPropertyName("pdb")] byte[] Pdb,
    [property: JsonPropertyName("updatedTypes")] IReadOnlyList<int> UpdatedTypes);

/// <summary>The answer of <c>POST /code/delta</c>: the version served now (<c>X+N</c>).</summary>
public sealed record DeltaResult(
    [property: JsonPropertyName("version")] string Version);

/// <summary>
/// The body of <c>POST /code/settle</c> ("truth after speed"): the whole build behind the deltas the worker serves as
/// <see cref="ServingVersion"/> (<c>X+N</c>) — the bytes <c>dotnet build</c> writes — becomes the pod's version on disk
/// (<see cref="Version"/>, <see cref="Manifest"/>) without touching the running worker: its instances and statics stay,
/// it keeps its label, and a worker started later (or a peer catching up from this pod) loads these exact files instead
/// of the base with the deltas replayed. Refused with KT4071 unless the worker serves <see cref="ServingVersion"/>.
/// Answered as <c>POST /sync/deploy</c> is: activated, or the blobs still missing.
/// </summary>
public sealed record SettleRequest(
    [property: JsonPropertyName("servingVersion")] string ServingVersion,
    [property: JsonPropertyName("version")] string Version,
    [property: JsonPropertyName("manifest")] ContentManifest Manifest);

/// <summary>Version labels of a version with deltas applied: <c>X+N</c> is base version X plus N deltas.</summary>
public static class DeltaVersions
{
    public static string Next(string version)
    {
        var (baseVersion, deltas) = Parse(version);
        return $"{baseVersion}+{deltas + 1}";
    }

    /// <summary>The base version and how many deltas are on it (0 for a plain version).</summary>
    public static (string Base, int Deltas) Parse(string version)
    {
        var plus = version.LastIndexOf('+');
        return plus > 0 && int.TryParse(version.AsSpan(plus + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? (version[..plus], n)
            : (version, 0);
    }

    /// <summary>How <c>kt status</c> shows a version: <c>X</c>, or <c>X+3 (base X + 3 deltas)</c>.</summary>
    public static string Describe(string version)
    {
        var (baseVersion, deltas) = Parse(version);
        return deltas == 0 ? version : $"{version} (base {baseVersion} + {deltas} delta{(deltas == 1 ? "" : "s")})";
    }
}
