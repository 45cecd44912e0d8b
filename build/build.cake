// Kt's build, as named steps. Run through ./build.sh TARGET or ./build.ps1 TARGET (they restore the pinned Cake tool).
// Targets: build, test, pack, bench, demo (the README's main job), demo-image, clean.
using System.Xml.Linq;

var target = Argument("target", "build");
var configuration = Argument("configuration", "Release");
var filter = Argument("filter", "");
// Each pack gets its own version, so a project restoring from artifacts/packages never sees an older package of the
// same version in the NuGet cache. Pass --package-version (or KT_PACKAGE_VERSION) for a release.
var packageVersion = Argument("package-version", EnvironmentVariable("KT_PACKAGE_VERSION") ?? $"0.1.0-dev.{DateTime.UtcNow:yyyyMMddHHmmss}");

var root = MakeAbsolute(Directory(".."));   // build.sh runs Cake with build/ as the working folder
var solution = root.CombineWithFilePath("Kt.slnx");
var artifacts = root.Combine("artifacts");
var packages = artifacts.Combine("packages");
var testResults = artifacts.Combine("test-results");
var benchOut = artifacts.Combine("bench");

Setup(ctx => Information($"Kt build: target={target} configuration={configuration} root={root}"));

Task("clean")
    .Does(() =>
{
    CleanDirectory(artifacts);
    DotNetClean(solution.FullPath, new DotNetCleanSettings { Configuration = configuration });
});

Task("build")
    .Does(() =>
{
    DotNetBuild(solution.FullPath, new DotNetBuildSettings { Configuration = configuration });
});

// What the tests use (Docker engine, loopback registry, skopeo, umoci, runc, the local base images): .ci/setup installs
// and starts it, idempotently. Checked first, so root (sudo) is asked for only when something is missing.
Task("test-setup")
    .Does(() =>
{
    var setup = root.CombineWithFilePath(".ci/setup").FullPath;
    if (IsRunningOnWindows() || StartProcess("bash", new ProcessSettings { Arguments = $"\"{setup}\" --check" }) == 0)
    {
        return;
    }

    var asRoot = EnvironmentVariable("USER") == "root" || StartProcess("id", new ProcessSettings { Arguments = "-u", RedirectStandardOutput = true }, out var uid) == 0 && uid.FirstOrDefault() == "0";
    var exit = asRoot
        ? StartProcess("bash", new ProcessSettings { Arguments = $"\"{setup}\"" })
        : StartProcess("sudo", new ProcessSettings { Arguments = $"bash \"{setup}\"" });
    if (exit != 0)
    {
        throw new Exception($".ci/setup failed (exit code {exit}); run it yourself: sudo bash .ci/setup");
    }
});

Task("test")
    .IsDependentOn("test-setup")
    .IsDependentOn("build")
    .Does(() =>
{
    CleanDirectory(testResults);
    var projects = GetFiles(root.FullPath + "/tests/**/*.Tests.csproj").OrderBy(p => p.FullPath).ToList();
    var failedProjects = new List<string>();
    // One test project at a time: the Docker engine, the registry and two cores are shared by all of them.
    foreach (var project in projects)
    {
        var name = project.GetFilenameWithoutExtension().ToString();
        var settings = new DotNetTestSettings
        {
            Configuration = configuration,
            NoBuild = true,
            ResultsDirectory = testResults,
            Loggers = new[] { $"trx;LogFileName={name}.trx", "console;verbosity=normal" },
        };
        if (!string.IsNullOrEmpty(filter)) settings.Filter = filter;
        try { DotNetTest(project.FullPath, settings); }
        catch (Exception e) { failedProjects.Add(name); Error($"{name}: {e.Message}"); }
    }

    // One closing line over all projects, in the plain "N passed, N failed" form CI reads.
    int passed = 0, failed = 0, skipped = 0;
    foreach (var trx in GetFiles(testResults.FullPath + "/*.trx"))
    {
        var counters = XDocument.Load(trx.FullPath).Descendants().First(e => e.Name.LocalName == "Counters");
        passed += int.Parse(counters.Attribute("passed")!.Value);
        failed += int.Parse(counters.Attribute("failed")!.Value) + int.Parse(counters.Attribute("error")!.Value);
        skipped += int.Parse(counters.Attribute("notExecuted")!.Value);
    }
    // Plain console output: Cake's log would colour the numbers, and CI reads this line as text.
    Console.WriteLine();
    Console.WriteLine($"Tests: {passed} passed, {failed} failed, {skipped} skipped");
    if (failed > 0 || failedProjects.Count > 0)
    {
        throw new Exception($"Tests failed in: {string.Join(", ", failedProjects)}");
    }
    if (passed == 0)
    {
        throw new Exception("No test was executed.");
    }
});

Task("pack")
    .IsDependentOn("build")
    .Does(() =>
{
    CleanDirectory(packages);
    var versioned = new DotNetMSBuildSettings().WithProperty("Version", packageVersion);
    DotNetPack(solution.FullPath, new DotNetPackSettings
    {
        Configuration = configuration,
        NoBuild = true,
        OutputDirectory = packages,
        MSBuildSettings = versioned,
    });

    // The template stamps this version and this folder (its nuget.config source) into the template.json it packs.
    DotNetPack(root.CombineWithFilePath("templates/Kt.Templates.csproj").FullPath, new DotNetPackSettings
    {
        Configuration = configuration,
        OutputDirectory = packages,
        MSBuildSettings = versioned,
    });
    Information($"packages {packageVersion} in {packages}");
});

Task("bench")
    .IsDependentOn("pack")
    .Does(() =>
{
    EnsureDirectoryExists(benchOut);
    foreach (var project in GetFiles(root.FullPath + "/bench/**/*.Bench.csproj").OrderBy(p => p.FullPath))
    {
        Information($"== {project.GetFilenameWithoutExtension()} ==");
        var arguments = new ProcessArgumentBuilder().Append("--out").AppendQuoted(benchOut.FullPath);
        var benchName = project.GetFilenameWithoutExtension().ToString();
        if (benchName == "Kt.DevLoop.Bench" || benchName == "Kt.Packaging.Bench")
        {
            // The dev loop is measured on a kt-project made from the packages this run packed; their sizes are reported.
            arguments.Append("--packages").AppendQuoted(packages.FullPath).Append("--version").Append(packageVersion);
        }
        DotNetRun(project.FullPath, arguments, new DotNetRunSettings { Configuration = configuration, NoBuild = true, WorkingDirectory = root });
    }
});

// The main job: the dev loop on the embedded default (process backend). Packs Kt, installs the kt-project template,
// creates a project in a temporary folder, deploys it, calls it, edits one line, deploys again and prints the new
// result with the measured iteration time.
Task("demo")
    .IsDependentOn("pack")
    .Does(() =>
{
    var demo = root.CombineWithFilePath("samples/Kt.DevLoopDemo/Kt.DevLoopDemo.csproj");
    DotNetRun(demo.FullPath, new ProcessArgumentBuilder().Append("--packages").AppendQuoted(packages.FullPath).Append("--version").Append(packageVersion),
        new DotNetRunSettings { Configuration = configuration, NoBuild = true, WorkingDirectory = root });
});

// The image compiler on its own: one definition compiled to a Dockerfile, live plans and a frozen image pushed to
// the local registry (127.0.0.1:5000), then a one-line edit that rebuilds and pushes only the app layer.
Task("demo-image")
    .IsDependentOn("build")
    .Does(() =>
{
    var demo = root.CombineWithFilePath("samples/Kt.Demo/Kt.Demo.csproj");
    DotNetRun(demo.FullPath, new DotNetRunSettings { Configuration = configuration, NoBuild = true, WorkingDirectory = root });
});

RunTarget(target);
