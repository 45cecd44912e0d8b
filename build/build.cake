// Kt's build, as named steps. Run through ./build.sh TARGET or ./build.ps1 TARGET (they restore the pinned Cake tool).
// Targets: build, test, pack, bench, demo (the README's main job), clean.
using System.Xml.Linq;

var target = Argument("target", "build");
var configuration = Argument("configuration", "Release");
var filter = Argument("filter", "");

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

Task("test")
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
    EnsureDirectoryExists(packages);
    DotNetPack(solution.FullPath, new DotNetPackSettings
    {
        Configuration = configuration,
        NoBuild = true,
        OutputDirectory = packages,
    });
    var templatePack = root.CombineWithFilePath("templates/Kt.Templates.csproj");
    if (FileExists(templatePack))
    {
        DotNetPack(templatePack.FullPath, new DotNetPackSettings { Configuration = configuration, OutputDirectory = packages });
    }
});

Task("bench")
    .IsDependentOn("build")
    .Does(() =>
{
    EnsureDirectoryExists(benchOut);
    foreach (var project in GetFiles(root.FullPath + "/bench/**/*.Bench.csproj").OrderBy(p => p.FullPath))
    {
        Information($"== {project.GetFilenameWithoutExtension()} ==");
        DotNetRun(project.FullPath, new ProcessArgumentBuilder().Append("--out").AppendQuoted(benchOut.FullPath),
            new DotNetRunSettings { Configuration = configuration, NoBuild = true, WorkingDirectory = root });
    }
});

// The main job. Until the dev loop lands it shows the image compiler at work: one definition compiled to a
// Dockerfile, a live-setup plan and a frozen OCI image pushed to the local registry, then a one-line edit.
Task("demo")
    .IsDependentOn("build")
    .Does(() =>
{
    var demo = root.CombineWithFilePath("samples/Kt.Demo/Kt.Demo.csproj");
    DotNetRun(demo.FullPath, new DotNetRunSettings { Configuration = configuration, NoBuild = true, WorkingDirectory = root });
});

RunTarget(target);
