using System.Diagnostics;
using System.Globalization;

namespace Kt.PodRuntime.Tests.Abuse;

/// <summary>
/// Issue 22 (2): a streamed call whose caller stops reading may not grow the server. The call prints 64 Mi characters
/// in 1 KiB lines; the caller reads 64 KiB and stops. The call must be held back (it cannot get far ahead of its
/// reader) while the server's memory stays put and other calls print and answer, and when the caller leaves the call
/// ends and the pod serves on.
/// </summary>
public sealed class StreamedOutputBoundsTests
{
    private const int Lines = 65_536;

    [Fact]
    public async Task A_caller_that_stops_reading_holds_the_call_back_and_the_server_keeps_its_memory()
    {
        using var temp = new TempRoot();
        await using var runtime = await RuntimeProcess.StartAsync(Path.Combine(temp.Path, "root"));
        var app = temp.Sub("app");
        UserCode.Write(app);
        await runtime.Client.SyncAsync(app, "v1");
        var warm = Path.Combine(temp.Path, "warm");
        Assert.Equal(64, await runtime.Client.CallAsync<int>("Demo.Calc", "Flood", [64, 1024, warm], options: new CallOptions { OnLog = _ => { } }));
        var baseline = ProcessProbe.RssMiB(runtime.ProcessId);

        var progress = Path.Combine(temp.Path, "progress");
        var response = await runtime.Raw.SendAsync(
            ProcessProbe.Call(runtime, "Demo.Calc", "Flood", $$"""{"args":[{{Lines}},1024,"{{progress}}"]}""", stream: true),
            HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64 * 1024];
        await body.ReadExactlyAsync(buffer);

        // The caller reads no more. Sampled until the call has printed everything (it ran away from its reader) or
        // its progress has stood still for two seconds (it is held back).
        var peak = baseline;
        var printed = -1;
        var still = Stopwatch.StartNew();
        var limit = Stopwatch.StartNew();
        while (limit.Elapsed < TimeSpan.FromSeconds(60))
        {
            var now = Printed(progress);
            peak = Math.Max(peak, ProcessProbe.RssMiB(runtime.ProcessId)); // after the progress: all of it is held by then
            if (now == Lines)
            {
                printed = now;
                break;
            }

            if (now != printed)
            {
                printed = now;
                still.Restart();
            }
            else if (still.Elapsed > TimeSpan.FromSeconds(2))
            {
                break;
            }

            await Task.Delay(50);
        }

        Assert.True(printed < Lines, $"the call printed all {Lines} lines while its caller had read 64 KiB");
        Assert.True(peak - baseline < 48, $"the server grew from {baseline:0} to {peak:0} MiB while the caller did not read");

        // The held call waits without holding the console: another call prints and answers meanwhile.
        var lines = new List<RemoteLogLine>();
        var chatty = runtime.Client.CallAsync<int>("Demo.Calc", "Chatty", [3], options: new CallOptions { OnLog = lines.Add });
        Assert.Equal(3, await chatty.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(["line 0", "line 1", "line 2", "tail-without-newline"], lines.Select(l => l.Line));

        // The caller leaves: the call is cancelled (it checks its token), ends, and the pod serves on.
        response.Dispose();
        var ended = Stopwatch.StartNew();
        while (!File.Exists(progress + ".end") && ended.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(progress + ".end"), "the call did not end after its caller left");
        Assert.Equal(3, await runtime.Client.CallAsync<int>("Demo.Calc", "Add", [1, 2]));
        Assert.True(ProcessProbe.RssMiB(runtime.ProcessId) - baseline < 48, $"the server holds {ProcessProbe.RssMiB(runtime.ProcessId) - baseline:0} MiB more after the call");
    }

    private static int Printed(string progress)
    {
        try
        {
            return File.Exists(progress) && int.TryParse(File.ReadAllText(progress), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        }
        catch (IOException)
        {
            return 0; // being rewritten
        }
    }
}
