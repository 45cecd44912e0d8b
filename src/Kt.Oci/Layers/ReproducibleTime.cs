using System.Globalization;
using Kt.Core;

namespace Kt.Oci;

/// <summary>
/// The one timestamp written into layers (tar mtimes) and image configs (<c>created</c>, history): the
/// <c>SOURCE_DATE_EPOCH</c> environment variable when set (reproducible-builds.org convention), else
/// <see cref="Default"/> = 1970-01-01T00:00:01Z. One second past the epoch because some tools read an mtime of 0 as
/// "unknown" (Jib makes the same choice).
/// </summary>
public static class ReproducibleTime
{
    public const string EnvironmentVariable = "SOURCE_DATE_EPOCH";

    public static DateTimeOffset Default { get; } = DateTimeOffset.FromUnixTimeSeconds(1);

    /// <summary><paramref name="explicitTime"/> if given, else SOURCE_DATE_EPOCH, else <see cref="Default"/>. A malformed variable → KT2005.</summary>
    public static DateTimeOffset Resolve(DateTimeOffset? explicitTime = null)
    {
        if (explicitTime is { } given)
        {
            return DateTimeOffset.FromUnixTimeSeconds(given.ToUnixTimeSeconds());
        }

        var text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return Default;
        }

        if (!long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > 253402300799)
        {
            throw new KtException(OciErrors.BadSourceDateEpoch, $"{EnvironmentVariable}='{text}' is not a count of seconds since 1970-01-01 (a non-negative integer).");
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds);
    }

    /// <summary>RFC 3339 text as used in image configs, e.g. <c>1970-01-01T00:00:01Z</c>.</summary>
    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
