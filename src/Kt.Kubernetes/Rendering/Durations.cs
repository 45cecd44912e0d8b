using System.Globalization;
using System.Text;

namespace Kt.Kubernetes.Rendering;

/// <summary>Formats durations the way Go's <c>time.ParseDuration</c> (Knative, Kt annotations) reads them; <see cref="Core.DurationText"/> reads them.</summary>
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
}
