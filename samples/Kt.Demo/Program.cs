using System.Diagnostics;
using Kt.Core;
using Kt.Docker;
using Kt.ImageCompiler;
using Kt.ImageCompiler.Dockerfiles;
using Kt.ImageCompiler.Freezing;
using Kt.ImageCompiler.Planning;
using Kt.ImageCompiler.Resolution;
using Kt.Oci;

// Kt demo: one image definition, compiled three ways — Dockerfile, frozen OCI image, live-setup plan — then an edit,
// showing that only what changed is rebuilt, pushed or re-run.
const string registryHost = "127.0.0.1:5000";
var baseImage = Environment.GetEnvironmentVariable("KT_DEMO_BASE") ?? $"{registryHost}/kt-test/debian:bookworm";
var work = Directory.CreateTempSubdirectory("kt-demo-");
var project = Directory.CreateDirectory(Path.Combine(work.FullName, "hello")).FullName;
Console.WriteLine($"Kt demo in {work.FullName}");

try
{
    var publish = await DemoApp.CreateAndPublishAsync(project, "Hello from Kt!");
    Image Definition() => Image.From(baseImage)
        .Env("GREETING_FILE", "/etc/hello/greeting.txt")
        .Copy("greeting.txt", "/etc/hello/greeting.txt")
        .Run("mkdir -p /var/lib/hello && echo \"built at step time\" > /var/lib/hello/marker")
        .WithApp(publish, "Hello.dll");
    File.WriteAllText(Path.Combine(project, "greeting.txt"), "hi\n");

    // 1. Resolution and keys: the same key everywhere (Dockerfile comment, OCI history, journal, progress line).
    var resolved = new DefinitionResolver(project).Resolve(Definition().Definition);
    Section("Steps and their keys");
    foreach (var step in resolved.Steps)
    {
        Console.WriteLine($"  {step.Key.Short}  {step.Effect,-8} {step.Description}");
    }

    // 2. Compilation 1: Dockerfile + context.
    Section("Compilation 1: Dockerfile");
    var dockerfile = DockerfileCompiler.Write(resolved, Path.Combine(work.FullName, "dockerfile"));
    Console.WriteLine(Indent(dockerfile.Text));

    // 3. Compilation 3: live-setup plans for a pod, before and after an edit.
    Section("Compilation 3: live-setup plans");
    var fresh = LivePlanner.Plan(resolved, []);
    Console.WriteLine($"  fresh pod: {fresh.Steps.Count} steps to run ({string.Join(", ", fresh.Steps.Select(s => s.Kind))})");
    var journal = fresh.Steps.Select(LivePlanner.ToJournalEntry).ToList();
    var unchanged = LivePlanner.Plan(new DefinitionResolver(project).Resolve(Definition().Definition), journal);
    Console.WriteLine($"  same definition again: {(unchanged.IsEmpty ? "nothing to run" : unchanged.Steps.Count + " steps")}");
    var appended = LivePlanner.Plan(new DefinitionResolver(project).Resolve(Definition().Env("MODE", "demo").Definition), journal);
    Console.WriteLine($"  one step appended: {appended.Steps.Count} step to run ({appended.Steps[0].Description})");

    // 4. Compilation 2: the frozen, layered OCI image (needs the registry, and the engine for the run step).
    Section("Compilation 2: frozen OCI image");
    if (!await Reachable($"http://{registryHost}/v2/"))
    {
        Console.WriteLine($"  skipped: no registry on {registryHost} (run `sudo bash .ci/setup` to start one)");
        return 0;
    }

    using var registry = new RegistryClient();
    var blobs = new BlobCache(Path.Combine(work.FullName, "cache", "blobs"));
    using var engine = await TryConnectEngineAsync();
    var freezer = new ImageFreezer(blobs, engine);
    var target = ImageReference.Parse($"{registryHost}/kt-demo/hello");

    async Task<(FreezeResult Result, WrittenImage Written, TimeSpan Took)> FreezeAndPushAsync()
    {
        var clock = Stopwatch.StartNew();
        var source = new RegistryImageSource(registry, ImageReference.Parse(baseImage), blobs);
        var result = await freezer.FreezeAsync(Definition().Definition, project, source,
            progress: new Progress<string>(line => Console.WriteLine("    " + line)));
        var written = await ImageOutputWriter.WriteAsync(result.Image,
            new ImageOutputs { LayoutPath = Path.Combine(work.FullName, "layout"), PushRepository = target, Tags = ["demo"] }, registry, engine);
        return (result, written, clock.Elapsed);
    }

    var first = await FreezeAndPushAsync();
    Console.WriteLine($"  first freeze + push: {first.Took.TotalMilliseconds:F0} ms, {first.Written.BytesUploaded:N0} bytes uploaded");
    Console.WriteLine($"  pinned: {first.Written.PinnedReference}");

    Section("Edit one line of code, publish, freeze again");
    publish = await DemoApp.CreateAndPublishAsync(project, "Hello again from Kt!");
    var second = await FreezeAndPushAsync();
    var changed = second.Result.Steps.Where(s => s.Outcome is StepOutcomeKind.Built or StepOutcomeKind.Ran).ToList();
    Console.WriteLine($"  second freeze + push: {second.Took.TotalMilliseconds:F0} ms, {second.Written.BytesUploaded:N0} bytes uploaded, "
                      + $"{changed.Count} layer(s) rebuilt ({string.Join(", ", changed.Select(c => c.Description))}), {second.Result.StepsRun} command step(s) run");
    Console.WriteLine($"  pinned: {second.Written.PinnedReference}");

    if (engine is not null)
    {
        Section("Run the pushed image's setup output with docker");
        Process.Start(new ProcessStartInfo("docker", ["pull", "-q", second.Written.PinnedReference!]) { RedirectStandardOutput = true })!.WaitForExit();
        // The test base has no .NET runtime, so look at the layers with a shell instead of starting the app.
        var run = Process.Start(new ProcessStartInfo("docker", ["run", "--rm", "--entrypoint", "/bin/sh", second.Written.PinnedReference!, "-c",
            "cat /var/lib/hello/marker $GREETING_FILE; ls /app"]) { RedirectStandardOutput = true })!;
        Console.WriteLine(Indent(await run.StandardOutput.ReadToEndAsync()));
        await run.WaitForExitAsync();
        Process.Start(new ProcessStartInfo("docker", ["rmi", "-f", second.Written.PinnedReference!]) { RedirectStandardOutput = true })?.WaitForExit();
    }

    return 0;
}
catch (KtException e)
{
    Console.Error.WriteLine($"error {e.Code}: {e.Detail}");
    return 1;
}
finally
{
    work.Delete(recursive: true);
}

static void Section(string title) => Console.WriteLine($"\n== {title} ==");

static string Indent(string text) => string.Join('\n', text.TrimEnd().Split('\n').Select(l => "  " + l));

static async Task<bool> Reachable(string url)
{
    using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
    try
    {
        return (await http.GetAsync(url)).IsSuccessStatusCode;
    }
    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
    {
        return false;
    }
}

static async Task<DockerEngine?> TryConnectEngineAsync()
{
    try
    {
        return await DockerEngine.ConnectAsync();
    }
    catch (KtException e)
    {
        Console.WriteLine($"  (no Docker engine: {e.Code}; command steps cannot be frozen)");
        return null;
    }
}
