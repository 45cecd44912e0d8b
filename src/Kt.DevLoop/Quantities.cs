using System.Globalization;
using System.Text.RegularExpressions;

namespace Kt.DevLoop;

/// <summary>Kubernetes resource quantities, as users write them for every backend (<c>500m</c>, <c>2</c>, <c>4Gi</c>, <c>1.5G</c>).</summary>
public static partial class Quantities
{
    private static readonly Dictionary<string, double> Suffixes = new(StringComparer.Ordinal)
    {
        [""] = 1, ["m"] = 1e-3, ["k"] = 1e3, ["M"] = 1e6, ["G"] = 1e9, ["T"] = 1e12,
        ["Ki"] = 1024, ["Mi"] = 1024d * 1024, ["Gi"] = 1024d * 1024 * 1024, ["Ti"] = 1024d * 1024 * 1024 * 1024,
    };

    /// <summary>CPUs as a number (0.5 for <c>500m</c>), or null when not set.</summary>
    public static double? Cpus(string? text, string property) => Parse(text, property, "CPUs");

    /// <summary>Bytes, or null when not set.</summary>
    public static long? Bytes(string? text, string property) => Parse(text, property, "bytes") is { } value ? (long)value : null;

    private static double? Parse(string? text, string property, string unit)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var match = Quantity().Match(text.Trim());
        if (!match.Success || !Suffixes.TryGetValue(match.Groups[2].Value, out var factor)
            || !double.TryParse(match.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            throw new KtException(DevLoopErrors.InvalidService,
                $"{property} is '{text}', which is not a positive quantity of {unit} (examples: 2, 500m, 4Gi, 1.5G).");
        }

        return number * factor;
    }

    [GeneratedRegex("^([0-9]+(?:\\.[0-9]+)?)([a-zA-Z]{0,2})$")]
    private static partial Regex Quantity();
}
