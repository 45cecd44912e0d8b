using Kt.Client;

namespace Kt.DevLoop.Tests;

/// <summary>
/// A function that logs through a static console <c>LoggerFactory</c>, called several times as a user calls it: every
/// line of each call is printed here before the call returns. The console logger writes from its own queue thread,
/// born inside the first call; once only that call's first lines came back, the rest reached only the pod's log.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class StaticLoggerTests
{
    [Fact]
    public async Task Every_line_of_a_static_console_logger_reaches_the_caller_on_every_call()
    {
        var compute = new Compute { Service = ProcessBackendTests.Unique("ilog") };
        var console = new StringWriter();
        var original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(console));
        var missing = new List<string>();
        try
        {
            await using var steps = await Remote.Fn(SampleFunctions.LogSteps).ToAsync(compute);
            try
            {
                for (var call = 0; call < 4; call++)
                {
                    var run = $"run{call}";
                    Assert.Equal(5, await steps.CallAsync<int>(run, 5));
                    var printed = console.ToString();
                    missing.AddRange(Enumerable.Range(0, 5).Select(i => $"{run} step {i}").Where(line => !printed.Contains(line, StringComparison.Ordinal)));
                }
            }
            finally
            {
                await steps.TeardownAsync();
            }
        }
        finally
        {
            Console.SetOut(original);
        }

        Assert.Empty(missing);
        Assert.Contains($"[{compute.Service}-0] info: Steps[0] run3 step 4", console.ToString(), StringComparison.Ordinal);
    }
}
