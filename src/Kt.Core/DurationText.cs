using System.Globalization;

namespace Kt.Core;

/// <summary>Durations as users write them in a csproj: Go's form (<c>90s</c>, <c>10m</c>, <c>1h30m</c>, <c>500ms</c>) or .NET's (<c>00:10:00</c>).</summary>
public static class DurationText
{
    /// <summary>A duration that does not read (the message names the property and the forms that do).</summary>
    public const string InvalidCode = "KT5004";

    /// <summary>Reads <paramref name="text"/>; <see cref="InvalidCode"/> naming <paramref name="what"/> otherwise.</summary>
    public static TimeSpan Parse(string text, string what)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Contains(':', StringComparison.Ordinal) && TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out var clock))
        {
            return clock;
        }

        var total = TimeSpan.Zero;
        var position = 0;
        while (position < trimmed.Length)
        {
            var start = position;
            while (position < trimmed.Length && (char.IsAsciiDigit(trimmed[position]) || trimmed[position] == '.'))
            {
                position++;
            }

            var unitStart = position;
            while (position < trimmed.Length && char.IsAsciiLetter(trimmed[position]))
            {
                position++;
            }

            if (start == unitStart || !double.TryParse(trimmed[start..unitStart], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                throw new KtException(InvalidCode, $"{what} is '{text}'; write a duration such as 90s, 10m, 1h30m or 00:10:00.");
            }

            total += trimmed[unitStart..position] switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => throw new KtException(InvalidCode, $"{what} is '{text}'; units are ms, s, m and h (90s, 10m, 1h30m) or use 00:10:00."),
            };
        }

        return position == 0
            ? throw new KtException(InvalidCode, $"{what} is empty; write a duration such as 90s, 10m or 00:10:00.")
            : total;
    }
}
