namespace Kt.PodRuntime.Tests;

public sealed class TornStateTests
{
    [Fact]
    public async Task Interrupted_syncs_never_expose_a_mixed_tree_to_any_call()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        const int Markers = 20;
        string Prepare(int n)
        {
            var folder = temp.Sub($"v{n}");
            UserCode.Write(folder, "Hello", Enumerable.Range(0, Markers).ToDictionary(i => $"marker{i:00}.txt", _ => $"v{n}" + new string('.', 2000 + n)));
            return folder;
        }

        await runtime.Client.SyncAsync(Prepare(0), "v0");
        var completed = new HashSet<string> { "v0" };
        var observed = new List<string[]>();
        using var stop = new CancellationTokenSource();
        var caller = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                observed.Add((await runtime.Client.CallAsync<string[]>("Demo.Calc", "Markers"))!);
            }
        });

        var random = new Random(1234);
        for (var n = 1; n <= 25; n++)
        {
            var folder = Prepare(n);
            using var client = new PodClient(runtime.Client.BaseAddress, runtime.Token) { UploadConcurrency = 1 };
            using var kill = new CancellationTokenSource(TimeSpan.FromMilliseconds(random.Next(0, 40)));
            try
            {
                await client.SyncAsync(folder, $"v{n}", kill.Token);
                completed.Add($"v{n}");
            }
            catch (OperationCanceledException)
            {
                // the client died somewhere in manifest, upload or activation
            }
        }

        await stop.CancelAsync();
        await caller;
        Assert.NotEmpty(observed);
        foreach (var markers in observed)
        {
            var single = Assert.Single(markers.Select(m => m.TrimEnd('.')).Distinct());
            Assert.Matches("^v[0-9]+$", single);
        }

        // Whatever is active now is one complete version.
        var final = Assert.Single((await runtime.Client.CallAsync<string[]>("Demo.Calc", "Markers"))!.Distinct());
        Assert.Equal(Markers, Directory.GetFiles(Path.Combine(runtime.Root, "current"), "marker*.txt").Length);
        Assert.StartsWith("v", final);
    }
}
