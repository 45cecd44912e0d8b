using System.Collections.Concurrent;
using System.Text.Json;

namespace Kt.PodRuntime.Tests.Abuse;

/// <summary>
/// Issue 22 (1): a call sees one version whole. Callers run without pause while versions are activated one after the
/// other; every answer's code, files (through KT_CODE_DIR, the base directory, the current directory and the assembly's
/// own folder, each looked at twice) and version header must name the same version.
/// </summary>
public sealed class VersionChurnTests
{
    private const int Versions = 8;
    private const int Callers = 4;

    [Fact]
    public async Task Every_call_during_version_churn_sees_one_version_whole()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"), extra: ["--keep-versions", "2"]);
        var folders = Enumerable.Range(0, Versions + 1).Select(n =>
        {
            var folder = temp.Sub($"v{n}");
            UserCode.Write(folder, $"v{n}", new Dictionary<string, string> { ["stamp.txt"] = $"v{n}" });
            return folder;
        }).ToArray();
        await runtime.Client.SyncAsync(folders[0], "v0");

        using var stop = new CancellationTokenSource();
        var answers = 0;
        var mixed = new ConcurrentQueue<string>();
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var request = ProcessProbe.Call(runtime, "Demo.Calc", "Identity", """{"args":[3]}""");
                using var response = await runtime.Raw.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.IsSuccessStatusCode, body);
                var seen = JsonSerializer.Deserialize<string[]>(body)!.Append(response.Headers.GetValues(PodRoutes.VersionHeader).Single()).ToArray();
                if (seen.Distinct().Count() != 1)
                {
                    mixed.Enqueue(string.Join(",", seen));
                }

                Interlocked.Increment(ref answers);
            }
        })).ToArray();

        for (var n = 1; n <= Versions; n++)
        {
            await runtime.Client.SyncAsync(folders[n], $"v{n}");
            // Once the activation has returned, a new call runs that version.
            Assert.All((await runtime.Client.CallAsync<string[]>("Demo.Calc", "Identity", [0]))!, seen => Assert.Equal($"v{n}", seen));
        }

        stop.Cancel();
        await Task.WhenAll(callers);
        Assert.True(answers >= Versions * Callers, $"{answers} answers");
        Assert.True(mixed.IsEmpty, $"{mixed.Count} of {answers} answers mixed versions (code, KT_CODE_DIR, base, current, assembly folder twice, header): {string.Join(" | ", mixed.Take(5))}");
    }
}
