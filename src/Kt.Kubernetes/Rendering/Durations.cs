using System.Globalization;
using System.Text;

namespace Kt.Kubernetes.Rendering;

/// <summary>Formats durations the way Go's <c>time.ParseDuration</c> (Knative, Kt annotations) reads them.</summary>
public static class Durations
{
    /// <summary>e.g. 90 s → <c>"1m30s"</c>, 0 → <c>"0s"</c>, 1.5 s → <c>"1500ms"</c>.</summary>
    public static string ToGo(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        if (value.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        var builder = new StringBuilder();
        var hours = (long)value.TotalHours;
        if (hours > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{hours}h");
        }

        if (value.Minutes > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{value.Minutes}m");
        }

        if (value.Seconds > 0)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{value.Seconds}s");
        }

        return builder.ToString();
    }

    /// <summary>
    /// Reads a duration as users write it: Go's form (<c>90s</c>, <c>10m</c>, <c>1h30m</c>, <c>500ms</c>) or .NET's
    /// (<c>00:10:00</c>); KT5004 otherwise.
    /// </summary>
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
                throw new Core.KtException("KT5004", $"{what} is '{text}'; write a duration such as 90s, 10m, 1h30m or 00:10:00.");
            }

            total += trimmed[unitStart..position] switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => throw new Core.KtException("KT5004", $"{what} is '{text}'; units are ms, s, m and h (90s, 10m, 1h30m) or use 00:10:00."),
            };
        }

        return position == 0
            ? throw new Core.KtException("KT5004", $"{what} is empty; write a duration such as 90s, 10m or 00:10:00.")
            : total;
    }
}
