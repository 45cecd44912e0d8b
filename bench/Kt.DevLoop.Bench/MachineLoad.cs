using System.Globalization;

/// <summary>
/// The machine's load average, sampled next to each timed edit, so that every figure carries the load it was taken
/// under (a figure from a loaded machine says little; the note says how loaded it was).
/// </summary>
internal static class MachineLoad
{
    /// <summary>The 1-minute load average from <c>/proc/loadavg</c>; NaN where there is none (not Linux).</summary>
    public static double OneMinute()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
        catch (UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    /// <summary>"load 1.20–2.35 (1-min, 2 cores)": the range over the samples a figure was made from.</summary>
    public static string Describe(IEnumerable<double> samples)
    {
        var known = samples.Where(s => !double.IsNaN(s)).ToList();
        var cores = Environment.ProcessorCount;
        return known.Count == 0
            ? $"load unknown ({cores} cores)"
            : string.Create(CultureInfo.InvariantCulture, $"load {known.Min():0.00}–{known.Max():0.00} (1-min, {cores} cores)");
    }
}

/// <summary>One timed edit: edit → the expected answer, the load when it started and the watch paths it took.</summary>
internal sealed record EditSample(double Milliseconds, double Load, string Paths);

/// <summary>Helpers that turn samples into <see cref="BenchFigure"/>s with the load next to them.</summary>
internal static class Figures
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double P50(IReadOnlyCollection<EditSample> samples) => Median(samples.Select(s => s.Milliseconds));

    /// <summary>A figure; its note names the load over <paramref name="loads"/> and whatever <paramref name="note"/> adds.</summary>
    public static BenchFigure Of(string name, double value, string unit, double? baseline, string target, bool? pass, IEnumerable<double> loads, string? note = null) =>
        new(name, Math.Round(value, 1), unit, baseline is { } b ? Math.Round(b, 1) : null,
            baseline is { } bb && bb != 0 && !double.IsNaN(bb) ? Math.Round(value / bb, 3) : null, target, pass,
            MachineLoad.Describe(loads) + (note is null ? "" : "; " + note));

    /// <summary>"delta×4, compile×1": how often each watch path served the samples' edits.</summary>
    public static string Paths(IEnumerable<EditSample> samples) =>
        string.Join(", ", samples.SelectMany(s => s.Paths.Split('+', StringSplitOptions.RemoveEmptyEntries))
            .GroupBy(p => p, StringComparer.Ordinal).Select(g => $"{g.Key}×{g.Count()}"));
}
