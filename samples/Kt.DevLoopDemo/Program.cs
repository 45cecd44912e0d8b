using System.Diagnostics;
using System.Globalization;
using Kt.DevLoopDemo;

// ./build.sh demo: the kt-project template through the dev loop on the embedded default (local processes).
var packages = Option("--packages") ?? Path.Combine("artifacts", "packages");
var version = Option("--version") ?? throw new ArgumentException("--version <package version> is required (./build.sh demo passes it)");

Step("1", $"dotnet new install Kt.Templates {version}; dotnet new kt-project -n HelloKt");
using var workspace = KtProjectWorkspace.Create(packages, version, "HelloKt");
Console.WriteLine($"   project: {workspace.ProjectDirectory}");

Step("2", "dotnet publish -p:KtDeploy=true   (first time: restore, build, start the pod)");
var first = workspace.Publish().EnsureSuccess("first deploy");
Print(first);

Step("3", "dotnet run   (the program calls Functions.Hello and Counter.Add on the pod through Remote.Fn / Remote.Cls)");
var run = workspace.Dotnet("run").EnsureSuccess("dotnet run");
foreach (var line in run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
{
    Console.WriteLine("   " + line.TrimEnd());
}

var iterations = new List<double>();
foreach (var (n, suffix) in new[] { (4, " (edited once)"), (5, " (edited twice)") })
{
    Step(n.ToString(CultureInfo.InvariantCulture), $"edit one line of Functions.cs (greeting + \"{suffix}\"), publish, call");
    var clock = Stopwatch.StartNew();
    workspace.EditGreeting(suffix);
    var publish = workspace.Publish().EnsureSuccess("deploy after the edit");
    var result = await workspace.CallHelloAsync("world");
    clock.Stop();
    Print(publish);
    Console.WriteLine($"   result: {result}");
    Console.WriteLine($"   edit → result: {clock.Elapsed.TotalMilliseconds:0} ms (dotnet publish -p:KtDeploy=true {publish.Milliseconds:0} ms)");
    iterations.Add(clock.Elapsed.TotalMilliseconds);
}

Step("6", "kt watch   (C# edits compile in-process with the project's own compiler arguments; only the new dll/pdb is synced)");
var watched = await WatchDemo.RunAsync(workspace, [" (watched once)", " (watched twice)"]);
iterations.AddRange(watched);

Step("7", "add a setup step to the csproj and publish: exactly that step runs");
workspace.AddSetupStep("<KtSetup Include=\"run\" Command=\"echo warmed > warm.txt\" />");
Print(workspace.Publish().EnsureSuccess("deploy with a new step"));

Step("8", "publish with no change: no step runs, nothing is sent");
Print(workspace.Publish().EnsureSuccess("deploy without change"));

Step("9", "dotnet build -t:KtTeardown");
Print(workspace.Dotnet("build", "-t:KtTeardown").EnsureSuccess("teardown"));
Console.WriteLine();
Console.WriteLine($"Iteration time, edit → new result: publish {string.Join(", ", iterations.Take(2).Select(i => $"{i:0} ms"))}; kt watch {string.Join(", ", iterations.Skip(2).Select(i => $"{i:0} ms"))}");
return 0;

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}

static void Step(string number, string text)
{
    Console.WriteLine();
    Console.WriteLine($"{number}. {text}");
}

static void Print(RunResult result)
{
    foreach (var line in KtProjectWorkspace.KtLines(result))
    {
        Console.WriteLine("   " + line);
    }
}
