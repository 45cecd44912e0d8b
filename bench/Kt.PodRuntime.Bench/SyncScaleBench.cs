using System.Diagnostics;
using System.Globalization;
using Kt.DevLoop;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;
using Kt.PodRuntime.Client;

namespace Kt.PodRuntime.Bench;

/// <summary>
/// Issue 21 point 6 (<c>--only sync-scale</c>): a one-file change costs what it changes, not what the app holds.
/// (1) The sync of a one-file change in apps of each size (default 10 and 10,000 files), each on its own pod runtime,
/// measured interleaved round by round — manifest (with the session's stamp cache, as a watch keeps it) + the pod's
/// deploy requests + the upload + the activation; the ratio of the largest to the smallest app's p50, target ≤ 2.
/// (2) Kt's own share of a deploy with no setup to run to pods already running (the process backend, whole
/// <see cref="ServiceDeployer"/> path): an unchanged deploy, and the phases around the sync of a one-file change.
/// </summary>
internal static class SyncScaleBench
{
    public static async Task<List<BenchFigure>> RunAsync(string work, IReadOnlyList<int> sizes, int rounds)
    {
        var figures = new List<BenchFigure>();
        var apps = new List<(int Files, string Folder, RuntimeLauncher Pod, ManifestBuilder Manifests, List<double> Times, List<double> ManifestTimes, List<int> Uploads, List<int> Hashed)>();
        try
        {
            foreach (var size in sizes)
            {
                var folder = CreateApp(Path.Combine(work, $"scale-app-{size}"), size);
                var pod = await RuntimeLauncher.StartAsync(Path.Combine(work, $"scale-root-{size}"), discardOutput: true);
                var manifests = new ManifestBuilder();
                await pod.Client.SyncAsync(folder, await manifests.BuildAsync(folder), "s0");
                apps.Add((size, folder, pod, manifests, [], [], [], []));
            }

            // Two warm-up rounds (JIT on both sides), then the measured ones; the order of the sizes alternates per round.
            for (var round = -2; round < rounds; round++)
            {
                var order = round % 2 == 0 ? apps : Enumerable.Reverse(apps).ToList();
                foreach (var (files, folder, pod, manifests, times, manifestTimes, uploads, hashed) in order)
                {
                    EditOneFile(folder, round);
                    var clock = Stopwatch.StartNew();
                    var since = manifests.LastBuilt; // what the previous sync made the pod serve, as a session's deployer keeps it
                    var manifest = await manifests.BuildAsync(folder);
                    var manifestTime = clock.Elapsed.TotalMilliseconds;
                    var sync = await pod.Client.SyncAsync(folder, manifest, $"s{round + 3}", since);
                    clock.Stop();
                    if (round >= 0)
                    {
                        times.Add(clock.Elapsed.TotalMilliseconds);
                        manifestTimes.Add(manifestTime);
                        uploads.Add(sync.UploadedBlobs);
                        hashed.Add(manifests.LastHashed);
                    }
                }
            }

            foreach (var app in apps)
            {
                figures.Add(Figure($"sync_one_file_change_{app.Files}_files_p50", Median(app.Times), "ms", null, "report", null)
                    with { Note = $"of which the manifest {Median(app.ManifestTimes):0.0} ms; blobs uploaded per sync {app.Uploads.Max()}, files hashed per sync {app.Hashed.Max()}" });
            }

            var (small, large) = (Median(apps[0].Times), Median(apps[^1].Times));
            figures.Add(Figure($"sync_one_file_change_ratio_{apps[^1].Files}_to_{apps[0].Files}_files", large, "ms", small, "<= 2", large <= 2 * small));
        }
        finally
        {
            foreach (var app in apps)
            {
                await app.Pod.DisposeAsync();
            }
        }

        figures.AddRange(await DeployShareAsync(work, rounds));
        return figures;
    }

    /// <summary>The process backend's whole deploy path to a running pod, with no setup step to run.</summary>
    private static async Task<List<BenchFigure>> DeployShareAsync(string work, int rounds)
    {
        Environment.SetEnvironmentVariable("KT_HOME", Path.Combine(work, "kt-home"));
        var folder = CreateApp(Path.Combine(work, "deploy-app"), 10);
        var project = Directory.CreateDirectory(Path.Combine(work, "deploy-project")).FullName;
        var service = "bench-deploy-" + Guid.NewGuid().ToString("N")[..6];
        using var backend = new ProcessBackend();
        var memory = new DeployMemory();
        var request = new DeployRequest
        {
            Service = new ServiceSpec { Service = service },
            Image = Image.From("debian:bookworm").Env("BENCH", "1").Definition,
            ProjectDirectory = project,
            CodeDirectory = folder,
        };
        var (unchanged, around) = (new List<double>(), new List<double>());
        try
        {
            await new ServiceDeployer(backend) { Memory = memory }.DeployAsync(request);
            for (var round = -2; round < rounds; round++)
            {
                // A session's deployer per deploy, as DeploySession makes them, sharing its memory.
                var same = await new ServiceDeployer(backend) { Memory = memory }.DeployAsync(request);
                EditOneFile(folder, round);
                var changed = await new ServiceDeployer(backend) { Memory = memory }.DeployAsync(request);
                if (same.UploadedBlobs != 0 || changed.UploadedBlobs != 1 || same.StepsRun + changed.StepsRun != 0)
                {
                    throw new InvalidOperationException($"unexpected deploy: unchanged sent {same.UploadedBlobs}, changed sent {changed.UploadedBlobs}, steps {same.StepsRun + changed.StepsRun}");
                }

                if (round >= 0)
                {
                    unchanged.Add(same.Timings.Total);
                    var t = changed.Timings;
                    around.Add(t.Compile + t.Pods + t.Setup);
                }
            }
        }
        finally
        {
            await backend.TeardownAsync(service);
            Environment.SetEnvironmentVariable("KT_HOME", null);
        }

        return
        [
            Figure("no_setup_unchanged_deploy_total_p50", Median(unchanged), "ms", null, "<= 50 ms", Median(unchanged) <= 50),
            Figure("no_setup_deploy_pods_and_setup_phases_p50", Median(around), "ms", null, "<= 50 ms (the deploy's own share around a one-file sync)", Median(around) <= 50),
        ];
    }

    /// <summary>An app of <paramref name="files"/> files: the demo assembly and small content files, 100 to a folder.</summary>
    private static string CreateApp(string folder, int files)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(Path.Combine(folder, "Demo.dll"), DemoCode.Compile("Hello"));
        for (var i = 1; i < files; i++)
        {
            var sub = Directory.CreateDirectory(Path.Combine(folder, "wwwroot", $"d{i / 100:000}")).FullName;
            File.WriteAllText(Path.Combine(sub, $"f{i:00000}.txt"), $"file {i:00000} " + new string('x', 1000));
        }

        return folder;
    }

    // One content file rewritten with new bytes of the same size: the change the stamp cache must see.
    private static void EditOneFile(string folder, int round) =>
        File.WriteAllText(Path.Combine(folder, "wwwroot", "d000", "f00001.txt"), $"edit {round + 100:00000} " + new string('y', 1000));

    private static BenchFigure Figure(string name, double value, string unit, double? baseline, string target, bool? pass) =>
        new(name, Math.Round(value, 1), unit, baseline is { } b ? Math.Round(b, 1) : null, baseline is { } bb && bb != 0 ? Math.Round(value / bb, 3) : null, target, pass, null);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static IReadOnlyList<int> ParseSizes(string text) =>
        text.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Order().ToList();
}
