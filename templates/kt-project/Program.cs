using Kt.Client;
using KtProject;

// The compute and image the csproj declares (KtCompute, KtCpus, KtSetup, …): the csproj is the single source of truth.
var compute = Compute.FromProject();

// Remote.Fn / Remote.Cls are Kubetorch's kt.fn / kt.cls: this program's own build output runs on the pods, and the
// calls go there. Output of the calls prints here, live, prefixed with the pod.
await using var hello = await Remote.Fn(Functions.Hello).ToAsync(compute);
Console.WriteLine(await hello.CallAsync<string>("world"));

// A class method is named by an expression: the compiler checks it, and a rename renames the call too.
await using var counter = await Remote.Cls<Counter>(10).ToAsync(compute);
Console.WriteLine(await counter.CallAsync(c => c.Add(5)));

if (args.Contains("--teardown"))
{
    await hello.TeardownAsync();
}
