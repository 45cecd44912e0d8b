using System.Globalization;
using System.IO.Compression;

// Sizes of the packages one pack wrote, and what MSBuild loads of Kt.MSBuild: ./build.sh bench runs this after its pack
// with --packages and --version; alone: dotnet run -c Release --project bench/Kt.Packaging.Bench -- --packages <folder> [--version <v>] [--no-loads].
// Figures go to <out>/packaging.json. Sizes are facts of the pack, so the figures report and compare; they gate nothing.
var options = args.Select((a, i) => (a, i)).Where(p => p.a.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(p => p.a[2..], p => p.i + 1 < args.Length ? args[p.i + 1] : "");
var packages = Path.GetFullPath(options.GetValueOrDefault("packages", "artifacts/packages"));
var output = Path.GetFullPath(options.GetValueOrDefault("out", "artifacts/bench"));
var version = options.GetValueOrDefault("version");

var files = Directory.GetFiles(packages, "*.nupkg").Where(f => version is null || f.EndsWith($".{version}.nupkg", StringComparison.Ordinal)).ToList();
var msbuild = files.SingleOrDefault(f => Path.GetFileName(f).StartsWith("Kt.MSBuild.", StringComparison.Ordinal));
var figures = new List<BenchFigure>();
if (msbuild is null)
{
    figures.Add(BenchFigure.NotMeasured("Kt.MSBuild packed size", "MB", "report", $"no Kt.MSBuild package in {packages} (run ./build.sh pack)"));
}
else
{
    const double MB = 1024 * 1024;
    using var zip = ZipFile.OpenRead(msbuild);
    var dlls = zip.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal)).ToList();
    var unpacked = zip.Entries.Sum(e => e.Length);
    var thirdParty = dlls.Where(e => !e.Name.StartsWith("Kt.", StringComparison.Ordinal)).Sum(e => e.Length);
    // The baseline: the Kt libraries Kt.MSBuild carries, as their own packages (what the tasks' own code weighs packed).
    var libraries = files.Where(f => f != msbuild && !Path.GetFileName(f).StartsWith("Kt.Templates.", StringComparison.Ordinal)).Sum(f => new FileInfo(f).Length);
    var packed = new FileInfo(msbuild).Length;
    var largest = string.Join(", ", dlls.OrderByDescending(e => e.Length).Take(4).Select(e => $"{e.Name} {(e.Length / MB).ToString("0.0", CultureInfo.InvariantCulture)} MB"));
    figures.Add(new BenchFigure("Kt.MSBuild packed size", packed / MB, "MB", libraries > 0 ? libraries / MB : null, libraries > 0 ? packed / (double)libraries : null, "report",
        null, "baseline: the Kt library packages it bundles, packed"));
    figures.Add(new BenchFigure("Kt.MSBuild unpacked size", unpacked / MB, "MB", (unpacked - thirdParty) / MB, unpacked / (double)(unpacked - thirdParty), "report",
        null, $"baseline: without third-party assemblies; largest: {largest}"));
    figures.Add(new BenchFigure("Kt.MSBuild third-party share", 100.0 * thirdParty / unpacked, "%", null, null, "report", null,
        "assemblies not built by Kt (KubernetesClient, Docker.DotNet, YamlDotNet, SharpZipLib, …) in the unpacked size"));
}

// What MSBuild loads from the package in an ordinary deploy and freeze (--no-loads skips its three publishes).
if (msbuild is not null && !options.ContainsKey("no-loads"))
{
    var packageVersion = version ?? Path.GetFileNameWithoutExtension(msbuild)["Kt.MSBuild.".Length..];
    figures.AddRange(TaskLoads.Measure(packages, packageVersion));
}

foreach (var line in BenchFigure.Table(figures))
{
    Console.WriteLine(line);
}

BenchFigure.WriteJson(Path.Combine(output, "packaging.json"), figures);
Console.WriteLine($"figures: {Path.Combine(output, "packaging.json")}");
