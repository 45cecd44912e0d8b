using System.Globalization;
using System.Text.RegularExpressions;

namespace Kt.Core;

/// <summary>
/// A resource quantity in Kubernetes syntax (<c>500m</c>, <c>2</c>, <c>1.5Gi</c>, <c>1e3</c>), the one grammar every
/// backend reads cpus, memory, disk and limits with: the Kubernetes renderer passes <see cref="Text"/> on as written,
/// the process and docker backends use <see cref="Value"/>.
/// </summary>
public readonly partial record struct Quantity
{
    private static readonly Dictionary<string, double> Suffixes = new(StringComparer.Ordinal)
    {
        [""] = 1, ["n"] = 1e-9, ["u"] = 1e-6, ["m"] = 1e-3, ["k"] = 1e3, ["M"] = 1e6, ["G"] = 1e9, ["T"] = 1e12, ["P"] = 1e15, ["E"] = 1e18,
        ["Ki"] = 1024, ["Mi"] = Math.Pow(1024, 2), ["Gi"] = Math.Pow(1024, 3), ["Ti"] = Math.Pow(1024, 4), ["Pi"] = Math.Pow(1024, 5), ["Ei"] = Math.Pow(1024, 6),
    };

    private Quantity(string text, double value, bool positive) => (Text, Value, IsPositive) = (text, value, positive);

    /// <summary>The quantity as written, which is what a manifest carries.</summary>
    public string Text { get; }

    /// <summary>Its value in base units (0.5 for <c>500m</c>, 4294967296 for <c>4Gi</c>).</summary>
    public double Value { get; }

    /// <summary>Strictly above zero, decided by the mantissa's digits as Kubernetes does (<c>0e3</c> is zero).</summary>
    public bool IsPositive { get; }

    /// <summary>Reads <paramref name="text"/> exactly (no surrounding spaces); false when it is not a quantity.</summary>
    public static bool TryParse(string? text, out Quantity quantity)
    {
        quantity = default;
        var match = text is null ? Match.Empty : Grammar().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var mantissa = match.Groups["number"].Value;
        var suffix = match.Groups["suffix"].Value;
        var exponent = match.Groups["exponent"].Value;
        var number = double.Parse(mantissa, NumberStyles.Float, CultureInfo.InvariantCulture);
        var factor = exponent.Length > 0
            ? Math.Pow(10, double.Parse(exponent, NumberStyles.Float, CultureInfo.InvariantCulture))
            : Suffixes[suffix];
        var positive = mantissa[0] != '-' && mantissa.Any(c => c is >= '1' and <= '9');
        quantity = new Quantity(text!, number * factor, positive);
        return true;
    }

    public override string ToString() => Text;

    // Kubernetes' own: a signed decimal, then a binary suffix, a decimal suffix or a decimal exponent.
    [GeneratedRegex(@"^(?<number>[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+)))((?<suffix>[KMGTPE]i|[numkMGTPE])|([eE](?<exponent>[+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+)))))?$", RegexOptions.CultureInvariant)]
    private static partial Regex Grammar();
}
