using Kt.Client;
using KtProject;

// The compute and image the csproj declares (KtCompute, KtCpus, KtSetup, …): the csproj is the single source of truth.
var compute = Compute.FromProject();

// Remote.Fn / Remote.Cls are Kubetorch's kt.fn / kt.cls: this program's own build output runs on the pods, and the
// calls go there. Output of the calls prints here, live, prefixed with the pod.
var hello = await Remote.Fn(Functions.Hello).ToAsync(compute);
Console.WriteLine(await hello.CallAsync<string>("world"));

var counter = await Remote.Cls<Counter>(10).ToAsync(compute);
Console.WriteLine(await counter.CallAsync<int>(nameof(Counter.Add), 5));

if (args.Contains("--teardown"))
{
    await hello.TeardownAsync();
}
