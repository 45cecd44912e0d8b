using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Kt.Core;
using Kt.FakeKubeApi;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Deploy;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Tests.Cluster;

namespace Kt.Kubernetes.Tests;

/// <summary>
/// The real client code (<see cref="KubernetesClientApi"/> over KubernetesClient, from a kubeconfig) and the
/// <see cref="Deployer"/> above it, against the protocol-level fake API server with real loopback pods.
/// </summary>
public sealed class ClientAgainstFakeServerTests
{
    private const string Ns = "team-a";

    [Fact]
    public async Task Many_kept_alive_requests_go_through_one_forward_and_forwards_to_two_pods_run_concurrently()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        var result = await new Deployer(cluster.Api).DeployAsync(Samples.Cpu() with { Replicas = 2 }, Samples.Context(), TimeSpan.FromSeconds(30));
        Assert.Equal(2, result.ReadyPods.Count);

        await using var first = await cluster.Api.PortForwardAsync(Ns, result.ReadyPods[0], Samples.Cpu().Port, 0);
        await using var second = await cluster.Api.PortForwardAsync(Ns, result.ReadyPods[1], Samples.Cpu().Port, 0);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1 }) { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal($"{result.ReadyPods[0]}:{i}", await http.GetStringAsync(new Uri($"http://127.0.0.1:{first.LocalPort}/echo?text={i}")));
        }

        // 30 requests, one kept-alive connection: one tunnel (the kubelet's probe has connections of its own, not counted).
        Assert.Single(cluster.Server.Log, l => l.Contains($"/pods/{result.ReadyPods[0]}/portforward", StringComparison.Ordinal));

        var both = Enumerable.Range(0, 40).Select(i => http.GetStringAsync(new Uri($"http://127.0.0.1:{(i % 2 == 0 ? first : second).LocalPort}/echo?text={i}")));
        var answers = await Task.WhenAll(both);
        Assert.All(answers.Select((a, i) => (a, i)), x => Assert.Equal($"{result.ReadyPods[x.i % 2]}:{x.i}", x.a));
    }

    [Fact]
    public async Task A_dropped_tunnel_ends_its_connection_and_the_next_connection_dials_again()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        var result = await new Deployer(cluster.Api).DeployAsync(Samples.Cpu(), Samples.Context(), TimeSpan.FromSeconds(30));
        await using var forward = await cluster.Api.PortForwardAsync(Ns, result.ReadyPods[0], Samples.Cpu().Port, 0);
        using var http = new HttpClient(new SocketsHttpHandler()) { Timeout = TimeSpan.FromSeconds(10) };
        Assert.EndsWith(":a", await http.GetStringAsync(new Uri($"http://127.0.0.1:{forward.LocalPort}/echo?text=a")), StringComparison.Ordinal);

        cluster.Server.DropForwards();

        string? answer = null;
        for (var attempt = 0; attempt < 3 && answer is null; attempt++)
        {
            try
            {
                answer = await http.GetStringAsync(new Uri($"http://127.0.0.1:{forward.LocalPort}/echo?text=b"));
            }
            catch (HttpRequestException)
            {
                // the request that raced the drop; the pooled connection is gone now
            }
        }

        Assert.EndsWith(":b", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Teardown_deletes_every_object_although_deletes_answer_status()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        var deployer = new Deployer(cluster.Api);
        await deployer.DeployAsync(Samples.Cpu(), Samples.Context(), TimeSpan.FromSeconds(30));

        var deleted = await deployer.TeardownAsync("hello", Ns);

        Assert.Equal(["Deployment", "Service", "Secret"], deleted.Select(r => r.Kind));
        Assert.Contains(cluster.Server.Log, l => l.StartsWith("DELETE /apis/apps/v1/namespaces/team-a/deployments/hello", StringComparison.Ordinal));
        foreach (var plural in new[] { "services", "secrets" })
        {
            Assert.Empty(cluster.Server.List("v1", plural, Ns));
        }

        Assert.Empty(cluster.Server.List("apps/v1", "deployments", Ns));
        Assert.Empty(await deployer.TeardownAsync("hello", Ns)); // a second teardown finds nothing and does not fail
    }

    [Fact]
    public async Task Refusals_come_back_as_kt_codes_naming_what_was_refused()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        var api = cluster.Api;
        var deployer = new Deployer(api);
        await deployer.DeployAsync(Samples.Cpu(), Samples.Context(), TimeSpan.FromSeconds(30));

        var unknownField = Deployment("hello");
        unknownField["spec"]!["replica"] = 2;
        Assert.Equal("KT5201", (await Assert.ThrowsAsync<KtException>(() => api.ApplyAsync(unknownField))).Code);

        var invalid = Deployment("other");
        invalid["spec"]!["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = "nope" } };
        var error = await Assert.ThrowsAsync<KtException>(() => api.ApplyAsync(invalid));
        Assert.Equal("KT5203", error.Code);
        Assert.Contains("does not match template", error.Message, StringComparison.Ordinal);

        var conflicting = Deployment("hello");
        conflicting["spec"]!["replicas"] = 3;
        error = await Assert.ThrowsAsync<KtException>(() => api.ApplyAsync(conflicting, "kubectl", force: false));
        Assert.Equal("KT5206", error.Code);
        Assert.Contains("conflict with \"kt\": .spec.replicas", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, (int?)(await api.ApplyAsync(conflicting, "kubectl", force: true))["spec"]!["replicas"]);

        error = await Assert.ThrowsAsync<KtException>(() => deployer.DeployAsync(Samples.Cpu() with { Namespace = "missing" }, Samples.Context()));
        Assert.Equal("KT5205", error.Code);
        Assert.StartsWith("Namespace 'missing' does not exist", error.Detail, StringComparison.Ordinal); // the message leads with it; the code ends it

        var knative = new JsonObject { ["apiVersion"] = "serving.knative.dev/v1", ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = "hello", ["namespace"] = Ns } };
        error = await Assert.ThrowsAsync<KtException>(() => api.ApplyAsync(knative));
        Assert.Equal("KT5205", error.Code);
        Assert.Contains("CRD is not installed", error.Message, StringComparison.Ordinal);

        cluster.Server.Deny("delete", "secrets");
        error = await Assert.ThrowsAsync<KtException>(() => deployer.TeardownAsync("hello", Ns));
        Assert.Equal("KT5204", error.Code);
        Assert.Contains("may not delete secrets in namespace 'team-a'", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot delete resource \"secrets\"", error.Message, StringComparison.Ordinal);

        var stranger = KubernetesClientApi.FromKubeconfig(cluster.Server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"kt-kubeconfig-{Guid.NewGuid():N}"), token: "wrong"));
        error = await Assert.ThrowsAsync<KtException>(() => stranger.GetAsync(new ResourceRef("apps/v1", "Deployment", Ns, "hello")));
        Assert.Equal("KT5204", error.Code);
    }

    [Fact]
    public async Task A_restarting_api_server_and_dropped_connections_only_delay_a_deploy()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        var deployer = new Deployer(cluster.Api);
        cluster.Server.DropNextRequests(2);
        await deployer.DeployAsync(Samples.Cpu(), Samples.Context(), TimeSpan.FromSeconds(30));

        await cluster.Server.StopListeningAsync();
        using (var down = new TcpListener(IPAddress.Loopback, cluster.Server.Url.Port))
        {
            // While "restarting", the port accepts and drops: wait until the client has tried once, then come back.
            down.Start();
            var deploying = deployer.DeployAsync(Samples.Cpu() with { Replicas = 2 }, Samples.Context(), TimeSpan.FromSeconds(30));
            using (await down.AcceptTcpClientAsync())
            {
            }

            down.Stop();
            await cluster.Server.ResumeAsync();
            Assert.Equal(2, (await deploying).ReadyPods.Count);
        }
    }

    [Fact]
    public async Task An_unreachable_server_is_kt5211_after_bounded_retries_and_no_kubeconfig_is_kt5210()
    {
        int closedPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var folder = Directory.CreateTempSubdirectory("kt-kubeconfig-");
        try
        {
            var kubeconfig = Path.Combine(folder.FullName, "config");
            File.WriteAllText(kubeconfig, $"""
                apiVersion: v1
                kind: Config
                clusters: [{"{"}name: gone, cluster: {"{"}server: "http://127.0.0.1:{closedPort}"{"}"}{"}"}]
                contexts: [{"{"}name: gone, context: {"{"}cluster: gone, user: u{"}"}{"}"}]
                current-context: gone
                users: [{"{"}name: u, user: {"{"}token: t{"}"}{"}"}]
                """);
            var api = KubernetesClientApi.FromKubeconfig(kubeconfig, retryFor: TimeSpan.FromSeconds(1));
            var error = await Assert.ThrowsAsync<KtException>(() => api.EnsureReachableAsync());
            Assert.Equal("KT5211", error.Code);
            Assert.Contains($"127.0.0.1:{closedPort}", error.Message, StringComparison.Ordinal);
            Assert.Equal("KT5211", (await Assert.ThrowsAsync<KtException>(() => new Deployer(api).DeployAsync(Samples.Cpu(), Samples.Context()))).Code);

            var previous = Environment.GetEnvironmentVariable("KUBECONFIG");
            Environment.SetEnvironmentVariable("KUBECONFIG", Path.Combine(folder.FullName, "absent"));
            try
            {
                error = Assert.Throws<KtException>(KubernetesClientApi.FromDefaultConfig);
                Assert.Equal("KT5210", error.Code);
                Assert.Contains("absent", error.Message, StringComparison.Ordinal);
            }
            finally
            {
                Environment.SetEnvironmentVariable("KUBECONFIG", previous);
            }
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_changed_pod_template_is_ready_only_when_its_own_pods_are()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        var deployer = new Deployer(cluster.Api);
        var first = await deployer.DeployAsync(Samples.Cpu(), Samples.Context(), TimeSpan.FromSeconds(30));

        var second = await deployer.DeployAsync(Samples.Cpu() with { Cpus = "1" }, Samples.Context(), TimeSpan.FromSeconds(30));

        var pod = Assert.Single(second.ReadyPods);
        Assert.DoesNotContain(pod, first.ReadyPods);
        var stored = cluster.Server.Get("v1", "pods", Ns, pod)!;
        Assert.Equal("1", (string?)stored["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"]);
        Assert.Null(stored["metadata"]!["deletionTimestamp"]);
    }

    [Fact]
    public async Task Launch_failures_are_reported_from_pod_status_and_events_with_what_was_left()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        var deployer = new Deployer(cluster.Api);
        var launchTimeout = TimeSpan.FromMinutes(2); // failures must be seen from status and events, long before this

        var mount = await Assert.ThrowsAsync<DeploymentFailedException>(() => deployer.DeployAsync(
            Samples.Cpu("mount") with { Secrets = [new SecretMount("db-credentials", SecretMode.Volume, "/var/run/db")] }, Samples.Context(), launchTimeout));
        Assert.Equal(("KT5108", "FailedMount"), (mount.Code, mount.Reason));
        Assert.Contains("secret \"db-credentials\" not found", mount.Message, StringComparison.Ordinal);

        var gpus = await Assert.ThrowsAsync<DeploymentFailedException>(() => deployer.DeployAsync(Samples.Cpu("gpu") with { Gpus = 1 }, Samples.Context(), launchTimeout));
        Assert.Equal("KT5102", gpus.Code);
        Assert.Contains("Insufficient nvidia.com/gpu", gpus.Message, StringComparison.Ordinal);
        Assert.Contains("Left on the cluster in namespace 'team-a': Secret gpu-kt-token, Service gpu, Deployment gpu", gpus.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet build -t:KtTeardown", gpus.Message, StringComparison.Ordinal);

        var pull = await Assert.ThrowsAsync<DeploymentFailedException>(() => deployer.DeployAsync(Samples.Cpu("pull") with { Image = "registry.local/kt/does-not-exist:1" }, Samples.Context(), launchTimeout));
        Assert.Equal("KT5101", pull.Code);
        Assert.Contains("does-not-exist", pull.Message, StringComparison.Ordinal);

        var config = await Assert.ThrowsAsync<DeploymentFailedException>(() => deployer.DeployAsync(
            Samples.Cpu("config") with { Secrets = [new SecretMount("api-keys")] }, Samples.Context(), launchTimeout));
        Assert.Equal("KT5107", config.Code);
        Assert.Contains("secret \"api-keys\" not found", config.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_custom_resource_without_its_controller_says_so_instead_of_asking_for_more_time()
    {
        await using var cluster = await FakeCluster.StartAsync(Ns);
        cluster.Server.Install(ServedKind.KnativeService);
        var compute = Samples.Cpu() with { Autoscale = new Autoscale(Min: 1, Max: 2) };

        var error = await Assert.ThrowsAsync<DeploymentFailedException>(() => new Deployer(cluster.Api).DeployAsync(compute, Samples.Context(), TimeSpan.FromSeconds(2)));

        Assert.Equal("KT5103", error.Code);
        Assert.Contains("controller of Service.serving.knative.dev/v1 (Knative Serving) is not running", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Raise the launch timeout", error.Message, StringComparison.Ordinal);
    }

    private static JsonObject Deployment(string name) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Ns },
        ["spec"] = new JsonObject
        {
            ["replicas"] = 1,
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["kt.dev/service"] = "hello" } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["kt.dev/service"] = "hello" } },
                ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "kt", ["image"] = "registry.local/kt/app:dev" }) },
            },
        },
    };
}
