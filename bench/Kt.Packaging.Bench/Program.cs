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

// What Kt puts into a user app's publish output (the client split, issue 13). The Kt.Client package carries its deploy
// side whole under kt-deploy/ (every assembly it loads); the app's publish output holds only the small client's share
// of it. Before the split the app carried the whole deploy side except what the split added (the workflows and the
// seam's implementation), so the baseline is that, taken from the same package. kt-runtime/ was never published.
var client = files.SingleOrDefault(f => Path.GetFileName(f).StartsWith("Kt.Client.", StringComparison.Ordinal));
if (client is null)
{
    figures.Add(BenchFigure.NotMeasured("app publish output: Kt assemblies", "MB", "report", $"no Kt.Client package in {packages} (run ./build.sh pack)"));
}
else
{
    const double MB = 1024 * 1024;
    string[] smallClient = ["Kt.Client", "Kt.Core", "Kt.ImageCompiler", "Kt.Oci", "Kt.PodRuntime.Client", "Kt.PodRuntime.Protocol", "ICSharpCode.SharpZipLib"];
    string[] addedBySplit = ["Kt.Client.Deploy", "Kt.Workflows"];
    using var zip = ZipFile.OpenRead(client);
    var deploySide = zip.Entries.Where(e => e.FullName.StartsWith("kt-deploy/", StringComparison.Ordinal) && !e.FullName.StartsWith("kt-deploy/kt-runtime/", StringComparison.Ordinal)
        && e.Name.EndsWith(".dll", StringComparison.Ordinal)).ToList();
    var after = deploySide.Where(e => smallClient.Contains(Path.GetFileNameWithoutExtension(e.Name))).Sum(e => e.Length);
    var before = deploySide.Where(e => !addedBySplit.Contains(Path.GetFileNameWithoutExtension(e.Name))).Sum(e => e.Length);
    figures.Add(new BenchFigure("app publish output: Kt assemblies", after / MB, "MB", before / MB, after / (double)before, "report", null,
        "baseline: before the client split (Kt.Client with Kt.DevLoop, Docker.DotNet, KubernetesClient, YamlDotNet…); the deploy side now stays in bin/kt-deploy"));
}

foreach (var line in BenchFigure.Table(figures))
{
    Console.WriteLine(line);
}

BenchFigure.WriteJson(Path.Combine(output, "packaging.json"), figures);
Console.WriteLine($"figures: {Path.Combine(output, "packaging.json")}");
