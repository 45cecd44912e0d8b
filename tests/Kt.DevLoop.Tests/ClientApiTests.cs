using Kt.Client;
using Kt.Core;
using Kt.DevLoop.Backends;
using Kt.ImageCompiler;

namespace Kt.DevLoop.Tests;

/// <summary>
/// Remote.Fn / Remote.Cls as a user's program uses them: this test assembly's own output is synced to two process
/// pods and its methods are called there; output of the calls comes back to this console.
/// </summary>
[Collection(DevLoopCollection.Name)]
public sealed class ClientApiTests
{
    [Fact]
    public async Task Functions_and_classes_of_this_program_run_on_every_replica_with_their_output_printed_here()
    {
        var compute = new Compute
        {
            Service = ProcessBackendTests.Unique("client"),
            Replicas = 2,
            Image = Image.From("debian:bookworm").Env("GREETING", "from the client"),
        };
        var console = new StringWriter();
        var original = Console.Out;
        Console.SetOut(TextWriter.Synchronized(console));
        try
        {
            var twice = await Remote.Fn(SampleFunctions.Twice).ToAsync(compute);
            Assert.Equal("abab", await twice.CallAsync<string>("ab"));

            var ranks = await Remote.Fn(SampleFunctions.Rank).ToAsync(compute);
            Assert.Equal([0, 1], await ranks.CallAllAsync<int>());
            Assert.Same(twice.Pods, ranks.Pods); // one deploy per compute: the second Fn shares it

            var describe = await Remote.Fn(SampleFunctions.Describe).ToAsync(compute);
            var descriptions = await describe.CallAllAsync<string>();
            Assert.All(descriptions, d => Assert.EndsWith("|from the client", d, StringComparison.Ordinal));

            var counter = await Remote.Cls<SampleCounter>(10).ToAsync(compute);
            var first = await counter.CallAsync<int>(nameof(SampleCounter.Add), 5);
            Assert.Equal(15, first);
            var each = await counter.CallAllAsync<int>(nameof(SampleCounter.Add), 1);
            Assert.Equal([11, 16], each.Order()); // one instance per pod, each with its own state

            await twice.TeardownAsync();
        }
        finally
        {
            Console.SetOut(original);
        }

        var printed = console.ToString();
        Assert.Contains($"[{compute.Service}-0] describing", printed, StringComparison.Ordinal);
        Assert.Contains($"[{compute.Service}-1] describing", printed, StringComparison.Ordinal);
        using var backend = new ProcessBackend();
        Assert.Null(await backend.FindAsync(compute.Service!));
    }

    [Fact]
    public async Task An_app_runs_on_the_pod_listens_when_ToAsync_returns_and_is_reached_through_its_authenticated_proxy()
    {
        using var temp = new Kt.TestSupport.TempFolder();
        var compute = new Compute { Service = ProcessBackendTests.Unique("app") };
        // The app is a web server that needs nothing installed: a second pod runtime, answering /health.
        var tokenFile = temp.Write("app-token", "app-token-0123456789");
        var runtime = PodRuntimeFiles.Locate();
        var command = $"exec \"{runtime.DotnetHost}\" \"{runtime.RuntimeAssembly}\" --bind 127.0.0.1 --port \"$PORT\" --root \"{temp.Combine("app-root")}\" "
            + $"--token-file \"{tokenFile}\" --service proxied --pod-name proxied-app";
        var appPort = LoopbackPort.Free();
        var app = await Remote.App(command, appPort).ToAsync(compute);
        try
        {
            using var http = app.CreateHttpClient();
            // ToAsync returned once the app listens: the very first request reaches it (no 502 while it starts).
            using var response = await http.GetAsync("health");

            Assert.True(response.IsSuccessStatusCode, $"the proxy answered {(int)response.StatusCode}");
            Assert.Contains("\"pod\":\"proxied-app\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // A leading slash is the app's own path, as with any HttpClient.
            using var slashed = await http.GetAsync("/health");
            Assert.True(slashed.IsSuccessStatusCode, $"the proxy answered {(int)slashed.StatusCode} for /health");
            Assert.Contains("\"pod\":\"proxied-app\"", await slashed.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // An update restarts the app; a request meanwhile waits for the new one to listen (it answered 502 before).
            using (var pod = new Kt.PodRuntime.Client.PodClient(app.Pods.Pods[0].Address, app.Pods.Pods[0].Token))
            {
                await pod.SetAppAsync("sleep 1; " + command, appPort);
            }

            using var during = await http.GetAsync("/health");
            Assert.True(during.IsSuccessStatusCode, $"the proxy answered {(int)during.StatusCode} while the app restarted");

            // Without the service token the proxy does not let anyone through.
            using var anonymous = new HttpClient { BaseAddress = app.ProxyAddress };
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await anonymous.GetAsync("health")).StatusCode);
        }
        finally
        {
            await app.TeardownAsync();
        }
    }


    [Fact]
    public void A_lambda_or_a_private_method_cannot_be_remote_and_says_why_with_KT7020()
    {
        var lambda = Assert.Throws<KtException>(() => Remote.Fn(() => 42));
        Assert.Equal(Kt.Client.ClientErrors.NotRemotable, lambda.Code);
        Assert.Contains("public static method", lambda.Message, StringComparison.Ordinal);

        var local = Assert.Throws<KtException>(() => Remote.Fn(Hidden));
        Assert.Equal(Kt.Client.ClientErrors.NotRemotable, local.Code);

        static int Hidden() => 1;
    }

    [Fact]
    public void A_missing_project_definition_is_KT7021_and_names_the_file()
    {
        var error = Assert.Throws<KtException>(() => Compute.FromProject("/nonexistent/kt.definition.json"));
        Assert.Equal(Kt.Client.ClientErrors.DefinitionMissing, error.Code);
        Assert.Contains("/nonexistent/kt.definition.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromProject_keeps_the_csprojs_container_registry_so_dotnet_run_after_a_freeze_can_push_its_runtime_image()
    {
        var folder = Directory.CreateTempSubdirectory("kt-definition-");
        try
        {
            var file = Path.Combine(folder.FullName, "kt.definition.json");
            File.WriteAllText(file, """
                {"service": "hello", "baseImage": "debian:bookworm", "compute": {"backend": "kubernetes", "registry": "127.0.0.1:5000", "repository": "team/hello"}}
                """);

            var compute = Compute.FromProject(file, folder.FullName);

            Assert.Equal(("127.0.0.1:5000", "team/hello"), (compute.ContainerRegistry, compute.ContainerRepository));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
