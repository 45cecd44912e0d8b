using System.Net;
using Kt.Core;
using Kt.Kubernetes.Api;
using Kt.Kubernetes.Deploy;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;
using Kt.Kubernetes.Tests.Fakes;

namespace Kt.Kubernetes.Tests;

/// <summary>Deployer flows against <see cref="FakeKubernetesApi"/> (a fake: no API server can run here).</summary>
public class DeployerTests
{
    private readonly FakeKubernetesApi api = new(Schemas.Validator);

    [Fact]
    public async Task Deploy_applies_every_object_with_the_kt_field_manager_and_waits_for_ready_pods()
    {
        api.ScriptPods([Pods.Pending("hello-1")], [Pods.Starting("hello-1"), Pods.Starting("hello-2")], [Pods.Ready("hello-1"), Pods.Ready("hello-2")]);
        var deployer = new Deployer(api);

        var result = await deployer.DeployAsync(Samples.Cpu() with { Replicas = 2 }, Samples.Context());

        Assert.Equal(["Service", "Deployment"], result.Applied.Select(r => r.Kind));
        Assert.Equal(["hello-1", "hello-2"], result.ReadyPods);
        Assert.Equal("Secret", api.Applies[0].Resource.Kind); // the token exists before any pod could need it
        var secret = (await api.GetAsync(new ResourceRef("v1", "Secret", "team-a", "hello-kt-token")))!;
        Assert.Equal(result.Token, System.Text.Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]!["token"]!)));
        Assert.Equal(64, result.Token!.Length);
        Assert.All(api.Applies, a => Assert.Equal(("kt", true), (a.FieldManager, a.Force)));
        Assert.NotNull(await api.GetAsync(new ResourceRef("apps/v1", "Deployment", "team-a", "hello")));
    }

    [Fact]
    public async Task Re_deploying_is_idempotent_and_only_the_workload_annotations_change_for_new_code()
    {
        var deployer = new Deployer(api);
        api.ScriptPods([Pods.Ready("hello-1")]);
        var first = await deployer.DeployAsync(Samples.Cpu(), Samples.Context(("kt.dev/code-version", "v1")));
        var template = (await api.GetAsync(new ResourceRef("apps/v1", "Deployment", "team-a", "hello")))!["spec"]!["template"]!.ToJsonString();

        api.ScriptPods([Pods.Ready("hello-1")]);
        var second = await deployer.DeployAsync(Samples.Cpu(), Samples.Context(("kt.dev/code-version", "v2")));
        var stored = (await api.GetAsync(new ResourceRef("apps/v1", "Deployment", "team-a", "hello")))!;

        Assert.Equal(5, api.Applies.Count); // the token Secret once, Service and Deployment twice
        Assert.Equal(3, api.Objects.Count);
        Assert.Equal(first.Token, second.Token); // running pods and clients keep their token
        Assert.Equal(template, stored["spec"]!["template"]!.ToJsonString());
        Assert.Equal("v2", (string?)stored["metadata"]!["annotations"]!["kt.dev/code-version"]);
    }

    [Fact]
    public async Task Image_pull_failures_surface_as_kt5101_with_the_pull_message()
    {
        api.ScriptPods([Pods.Pending("hello-1")], [Pods.ImagePullBackOff("hello-1")]);

        var error = await Assert.ThrowsAsync<DeploymentFailedException>(() => new Deployer(api).DeployAsync(Samples.Cpu(), Samples.Context()));

        Assert.Equal("KT5101", error.Code);
        Assert.Equal("hello-1", error.PodName);
        Assert.Equal("ImagePullBackOff", error.Reason);
        Assert.Contains("registry.local/app:missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unschedulable_pods_surface_as_kt5102_with_the_scheduler_event()
    {
        api.ScriptPods([Pods.Unschedulable("hello-1")]);

        var error = await Assert.ThrowsAsync<DeploymentFailedException>(() => new Deployer(api).DeployAsync(Samples.Cpu() with { Gpus = 1 }, Samples.Context()));

        Assert.Equal("KT5102", error.Code);
        Assert.Contains("Insufficient nvidia.com/gpu", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Events, e => e.StartsWith("FailedScheduling", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unschedulable_while_the_cluster_autoscaler_adds_a_node_keeps_waiting()
    {
        api.ScriptPods([Pods.Unschedulable("hello-1", "TriggeredScaleUp: pod triggered scale-up: [{gpu-pool 0->1 (max: 4)}]")], [Pods.Ready("hello-1")]);

        var result = await new Deployer(api).DeployAsync(Samples.Cpu() with { Gpus = 1 }, Samples.Context());

        Assert.Equal(["hello-1"], result.ReadyPods);
    }

    [Fact]
    public async Task Oom_killed_containers_surface_as_kt5104_with_the_termination_message()
    {
        api.ScriptPods([Pods.Starting("hello-1")], [Pods.OomKilled("hello-1")]);

        var error = await Assert.ThrowsAsync<DeploymentFailedException>(() => new Deployer(api).DeployAsync(Samples.Cpu(), Samples.Context()));

        Assert.Equal("KT5104", error.Code);
        Assert.Equal("OOMKilled", error.Reason);
        Assert.Contains("loading model weights", error.Message, StringComparison.Ordinal);
        Assert.Contains("Back-off restarting failed container", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deploy_that_never_becomes_ready_times_out_with_kt5103_and_the_last_pod_state()
    {
        api.ScriptPods([Pods.Starting("hello-1")]);

        var error = await Assert.ThrowsAsync<DeploymentFailedException>(() =>
            new Deployer(api).DeployAsync(Samples.Cpu(), Samples.Context(), timeout: TimeSpan.FromMilliseconds(200)));

        Assert.Equal("KT5103", error.Code);
        Assert.Contains("hello-1 Running", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_fake_server_refuses_invalid_manifests_like_a_strict_server_would()
    {
        var context = Samples.Context() with { ExistingWorkloadManifest = "kind: Deployment\nspec:\n  replica: 2\n" };

        var error = await Assert.ThrowsAsync<KtException>(() => new Deployer(api).DeployAsync(Samples.Cpu(), context));

        Assert.Equal("KT5201", error.Code);
        Assert.Contains("$.spec.replica", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_validating_deployer_refuses_invalid_manifests_before_sending_anything()
    {
        var context = Samples.Context() with { ExistingWorkloadManifest = "kind: Deployment\nspec:\n  replica: 2\n" };

        var error = await Assert.ThrowsAsync<Validation.SchemaValidationException>(() => new Deployer(api, Schemas.Validator).DeployAsync(Samples.Cpu(), context));

        Assert.Equal("KT5301", error.Code);
        Assert.Empty(api.Applies);
    }

    [Fact]
    public async Task Distributed_and_autoscaled_deploys_wait_for_their_own_pod_counts()
    {
        api.ScriptPods([Pods.Ready("hello-0"), Pods.Ready("hello-1")], [Pods.Ready("hello-0"), Pods.Ready("hello-1"), Pods.Ready("hello-2")]);
        var spmd = await new Deployer(api).DeployAsync(Samples.Cpu() with { Distribute = Distribute.Of("spmd", 3) }, Samples.Context());
        Assert.Equal(3, spmd.ReadyPods.Count);
        Assert.Equal(["Service", "Service", "StatefulSet"], spmd.Applied.Select(r => r.Kind));

        api.ScriptPods([Pods.Ready("hello-00001-deployment-x")]);
        var knative = await new Deployer(api).DeployAsync(Samples.Cpu("web") with { Autoscale = new Autoscale(Min: 0, Max: 4) }, Samples.Context());
        Assert.Equal("serving.knative.dev/v1", Assert.Single(knative.Applied).ApiVersion);
    }

    [Fact]
    public async Task Teardown_deletes_everything_labelled_for_the_service_and_nothing_else()
    {
        var deployer = new Deployer(api);
        api.ScriptPods([Pods.Ready("a-0"), Pods.Ready("a-1")]);
        await deployer.DeployAsync(Samples.Cpu("a") with { Distribute = Distribute.Of("ray", 2) }, Samples.Context());
        api.ScriptPods([Pods.Ready("b-1")]);
        await deployer.DeployAsync(Samples.Cpu("b"), Samples.Context());

        var deleted = await deployer.TeardownAsync("a", "team-a");

        Assert.Equal(["RayCluster", "Service", "Secret"], deleted.Select(r => r.Kind));
        Assert.All(api.Objects.Keys, r => Assert.StartsWith("b", r.Name, StringComparison.Ordinal)); // b and b-kt-token
        Assert.Empty(await deployer.TeardownAsync("a", "team-a"));
    }

    [Fact]
    public void Api_errors_map_to_kt_codes()
    {
        var resource = new ResourceRef("apps/v1", "Deployment", "default", "x");
        Assert.Equal("KT5201", ApiErrors.Map(HttpStatusCode.InternalServerError, "failed to create typed patch object: .spec.replica: field not declared in schema", resource).Code);
        Assert.Equal("KT5202", ApiErrors.Map(HttpStatusCode.BadRequest, "strict decoding error: unknown field \"spec.replica\"", resource).Code);
        Assert.Equal("KT5203", ApiErrors.Map(HttpStatusCode.UnprocessableEntity, "spec.managedBy: Invalid value", resource).Code);
        Assert.Equal("KT5204", ApiErrors.Map(HttpStatusCode.Forbidden, "forbidden", resource).Code);
        Assert.Equal("KT5205", ApiErrors.Map(HttpStatusCode.NotFound, "the server could not find the requested resource", resource).Code);
        Assert.Equal("KT5206", ApiErrors.Map(HttpStatusCode.Conflict, "Apply failed with 1 conflict", resource).Code);
        Assert.Equal("KT5200", ApiErrors.Map(HttpStatusCode.InternalServerError, "etcd timeout", resource).Code);
    }

    [Fact]
    public void Pod_snapshots_are_read_from_kubernetes_pod_status()
    {
        var pod = new k8s.Models.V1Pod
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "p" },
            Status = new k8s.Models.V1PodStatus
            {
                Phase = "Running",
                Conditions = [new k8s.Models.V1PodCondition { Type = "Ready", Status = "False" }],
                ContainerStatuses =
                [
                    new k8s.Models.V1ContainerStatus
                    {
                        Name = "kt",
                        Image = "i",
                        ImageID = "",
                        Ready = false,
                        RestartCount = 2,
                        State = new k8s.Models.V1ContainerState { Waiting = new k8s.Models.V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
                        LastState = new k8s.Models.V1ContainerState { Terminated = new k8s.Models.V1ContainerStateTerminated { Reason = "Error", ExitCode = 3, Message = "boom" } },
                    },
                ],
            },
        };

        var snapshot = PodSnapshots.From(pod, []);

        Assert.True(PodSnapshots.NeedsEvents(snapshot));
        var failure = PodFailures.Detect(snapshot);
        Assert.Equal("KT5105", failure?.Code);
        Assert.Contains("boom", failure!.Message, StringComparison.Ordinal);
    }
}
