using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kt.Bench;

/// <summary>
/// One benchmark figure against its same-run baseline, written to <c>artifacts/bench/&lt;area&gt;.json</c> as
/// <c>{name, value, unit, baseline, ratio, target, pass, note}</c>. A figure that could not be measured has null
/// value, ratio and pass, and says why in <see cref="Note"/>.
/// </summary>
internal sealed record BenchFigure(
    string Name,
    double? Value,
    string Unit,
    double? Baseline,
    double? Ratio,
    string Target,
    bool? Pass,
    string? Note)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Keeps '>=', '+' and backticks readable in the file; it is read by people and tools, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static BenchFigure NotMeasured(string name, string unit, string target, string reason) =>
        new(name, null, unit, null, null, target, null, "not measured: " + reason);

    public static void WriteJson(string path, IReadOnlyList<BenchFigure> figures)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(figures, JsonOptions) + "\n");
    }

    public static IEnumerable<string> Table(IReadOnlyList<BenchFigure> figures)
    {
        const string format = "{0,-52} {1,14} {2,14} {3,8} {4,-22} {5,-4}";
        yield return string.Format(CultureInfo.InvariantCulture, format, "figure", "kt", "baseline", "ratio", "target", "pass");
        yield return new string('-', 52 + 14 + 14 + 8 + 22 + 4 + 5);
        foreach (var figure in figures)
        {
            yield return string.Format(CultureInfo.InvariantCulture, format, figure.Name, Amount(figure.Value, figure.Unit), Amount(figure.Baseline, figure.Unit),
                figure.Ratio is { } ratio ? ratio.ToString("0.00", CultureInfo.InvariantCulture) : "-", figure.Target,
                figure.Pass switch { true => "yes", false => "NO", null => "n/a" });
        }

        foreach (var figure in figures.Where(f => f.Note is not null))
        {
            yield return $"  {figure.Name}: {figure.Note}";
        }
    }

    private static string Amount(double? value, string unit) => value is { } v
        ? v.ToString(unit == "bool" ? "0" : "0.#", CultureInfo.InvariantCulture) + (unit == "bool" ? "" : " " + unit)
        : "-";
}
