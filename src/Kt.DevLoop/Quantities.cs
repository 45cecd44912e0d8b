namespace Kt.DevLoop;

/// <summary>Resource quantities as users write them for every backend (<see cref="Quantity"/>: <c>500m</c>, <c>2</c>, <c>4Gi</c>, <c>1.5G</c>), as numbers.</summary>
public static class Quantities
{
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

        if (!Quantity.TryParse(text.Trim(), out var quantity) || !quantity.IsPositive)
        {
            throw new KtException(DevLoopErrors.InvalidService,
                $"{property} is '{text}', which is not a positive quantity of {unit} (examples: 2, 500m, 4Gi, 1.5G).");
        }

        return quantity.Value;
    }
}
