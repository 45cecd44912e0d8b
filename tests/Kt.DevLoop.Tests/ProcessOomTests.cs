using Kt.Client;
using Kt.PodRuntime.Client;
using Kt.TestSupport;

namespace Kt.DevLoop.Tests;

/// <summary>KtMemory on the process backend, end to end: a call past it is an OOM kill named as one (KT4044), as on a container.</summary>
[Collection(DevLoopCollection.Name)]
public sealed class ProcessOomTests
{
    [MemoryCgroupFact]
    public async Task A_call_past_KtMemory_on_the_process_backend_is_KT4044_and_the_next_call_is_served()
    {
        var compute = new Compute { Service = ProcessBackendTests.Unique("oom"), Memory = "256Mi" };
        var hog = await Remote.Fn(SampleFunctions.Hog).ToAsync(compute);
        try
        {
            var error = await Assert.ThrowsAsync<RemoteException>(() => hog.CallAsync<int>(1024));

            Assert.Equal("KT4044", error.Code);
            Assert.Contains("limit 256 MiB", error.Message, StringComparison.Ordinal);
            var twice = await Remote.Fn(SampleFunctions.Twice).ToAsync(compute);
            Assert.Equal("abab", await twice.CallAsync<string>("ab"));
        }
        finally
        {
            await hog.TeardownAsync();
        }
    }
}
