using System.Diagnostics;
using System.Globalization;
using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.DevLoop.Tests;
using Kt.FakeKubeApi;
using Kt.ImageCompiler;
using Kt.Kubernetes.Api;

// Kt.Kubernetes.Bench: the live loop on Kubernetes through the real client against the protocol-level fake API server
// (real runtimes as pods, port-forward over the v4 WebSocket). Each deploy makes its backend and client afresh, as a
// `dotnet publish -p:KtDeploy=true` process does. Figures: edit → ready of a one-file edit (baseline: the process
// backend, same edit, same run) and the HTTP requests to the API server per no-change deploy (fewer is better).
const int Runs = 7;
var outPath = "artifacts/bench/kubernetes.json";
for (var i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--out")
    {
        outPath = args[i + 1].EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? args[i + 1] : Path.Combine(args[i + 1], "kubernetes.json");
    }
}

var work = Path.Combine(Path.GetTempPath(), "kt-k8s-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
Environment.SetEnvironmentVariable("KT_HOME", Path.Combine(work, "kt-home"));
var figures = new List<BenchFigure>();
try
{
    var code = Path.Combine(work, "code");
    Directory.CreateDirectory(code);
    foreach (var file in Directory.EnumerateFiles(AppContext.BaseDirectory, "Kt.Kubernetes.Bench.dll"))
    {
        File.Copy(file, Path.Combine(code, Path.GetFileName(file)));
    }

    var image = Image.From("debian:bookworm").Env("KT_BENCH", "1").Definition;
    DeployRequest Request(string service) => new()
    {
        Service = new ServiceSpec { Service = service, Replicas = 2 },
        Image = image,
        ProjectDirectory = work,
        CodeDirectory = code,
        ReadyTimeout = TimeSpan.FromSeconds(60),
    };

    await using var server = await FakeApiServer.StartAsync(new RuntimePodHost(Path.Combine(work, "pods")));
    server.Namespaces.Add("bench");
    var kubeconfig = server.WriteKubeconfig(Path.Combine(work, "kubeconfig"));
    const string runtimeImage = "registry.local/kt/runtime@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    var k8sService = "bench-k8s";
    var processService = "bench-process";

    async Task<double> DeployAsync(bool kubernetes, string message)
    {
        await File.WriteAllTextAsync(Path.Combine(code, "message.txt"), message);
        using IComputeBackend backend = kubernetes
            ? new KubernetesBackend(KubernetesClientApi.FromKubeconfig(kubeconfig), "bench", runtimeImage)
            : new ProcessBackend();
        var clock = Stopwatch.StartNew();
        await new ServiceDeployer(backend).DeployAsync(Request(kubernetes ? k8sService : processService));
        return clock.Elapsed.TotalMilliseconds;
    }

    await DeployAsync(kubernetes: true, "first");
    await DeployAsync(kubernetes: false, "first");
    var k8s = new List<double>();
    var process = new List<double>();
    for (var i = 0; i < Runs; i++)
    {
        // Alternated so that machine load falls on both alike.
        k8s.Add(await DeployAsync(kubernetes: true, $"edit {i}"));
        process.Add(await DeployAsync(kubernetes: false, $"edit {i}"));
    }

    var requests = new List<int>();
    for (var i = 0; i < 3; i++)
    {
        var before = server.Requests;
        await DeployAsync(kubernetes: true, $"edit {Runs - 1}");
        requests.Add(server.Requests - before);
    }

    var k8sMedian = Median(k8s);
    var processMedian = Median(process);
    figures.Add(new BenchFigure("k8s_edit_to_ready_p50", k8sMedian, "ms", processMedian, k8sMedian / processMedian, "report (baseline: process backend)", null,
        $"{Runs} one-file edits, 2 pods, fresh backend + client per deploy; samples {string.Join(", ", k8s.Select(Ms))} vs {string.Join(", ", process.Select(Ms))}"));
    figures.Add(new BenchFigure("k8s_http_requests_per_nochange_deploy", requests.Min(), "requests", null, null, "report (fewer is better)", null,
        $"API server requests of a deploy with nothing to change (3 runs: {string.Join(", ", requests)}); port-forward WebSockets count once each"));

    using (var teardown = new KubernetesBackend(KubernetesClientApi.FromKubeconfig(kubeconfig), "bench"))
    {
        await teardown.TeardownAsync(k8sService);
    }

    using (var teardown = new ProcessBackend())
    {
        await teardown.TeardownAsync(processService);
    }
}
finally
{
    try
    {
        Directory.Delete(work, recursive: true);
    }
    catch (IOException)
    {
        // a pod process still closing its files; the temp folder is left behind
    }
}

BenchFigure.WriteJson(outPath, figures);
foreach (var line in BenchFigure.Table(figures))
{
    Console.WriteLine(line);
}

return 0;

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static string Ms(double value) => value.ToString("0", CultureInfo.InvariantCulture);
