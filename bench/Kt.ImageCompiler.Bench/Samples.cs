namespace Kt.ImageCompiler.Bench;

/// <summary>Medians of timing samples, and the sample list as text for notes.</summary>
internal static class Samples
{
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("no samples", nameof(values));
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static string Describe(IEnumerable<double> values) => "[" + string.Join(", ", values.Select(v => v.ToString("0", System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
