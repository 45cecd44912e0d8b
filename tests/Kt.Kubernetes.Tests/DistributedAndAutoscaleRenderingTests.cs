using System.Text.Json.Nodes;
using Kt.Core;
using Kt.Kubernetes.Crd;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;

namespace Kt.Kubernetes.Tests;

public class DistributedAndAutoscaleRenderingTests
{
    private static readonly Autoscale FullAutoscale = new(
        Min: 0,
        Max: 10,
        Initial: 2,
        Target: 50,
        Metric: "concurrency",
        Window: TimeSpan.FromSeconds(90),
        Class: "kpa.autoscaling.knative.dev",
        TargetUtilization: 70,
        ScaleDownDelay: TimeSpan.FromMinutes(5),
        ScaleToZeroRetention: TimeSpan.FromMinutes(2),
        ProgressDeadline: TimeSpan.FromMinutes(15),
        ContainerConcurrency: 8);

    [Fact]
    public void Autoscale_renders_a_valid_knative_service_with_every_autoscaling_field()
    {
        var objects = ManifestRenderer.Render(Samples.Cpu() with { Autoscale = FullAutoscale }, Samples.Context() with { DevMode = false });
        var json = Schemas.AssertValid(Assert.IsType<KnativeService>(Assert.Single(objects)));
        var template = json["spec"]!["template"]!;
        var annotations = template["metadata"]!["annotations"]!;

        Assert.Equal("serving.knative.dev/v1", (string?)json["apiVersion"]);
        Assert.Equal("0", (string?)annotations["autoscaling.knative.dev/min-scale"]);
        Assert.Equal("10", (string?)annotations["autoscaling.knative.dev/max-scale"]);
        Assert.Equal("2", (string?)annotations["autoscaling.knative.dev/initial-scale"]);
        Assert.Equal("50", (string?)annotations["autoscaling.knative.dev/target"]);
        Assert.Equal("concurrency", (string?)annotations["autoscaling.knative.dev/metric"]);
        Assert.Equal("1m30s", (string?)annotations["autoscaling.knative.dev/window"]);
        Assert.Equal("kpa.autoscaling.knative.dev", (string?)annotations["autoscaling.knative.dev/class"]);
        Assert.Equal("70", (string?)annotations["autoscaling.knative.dev/target-utilization-percentage"]);
        Assert.Equal("5m", (string?)annotations["autoscaling.knative.dev/scale-down-delay"]);
        Assert.Equal("2m", (string?)annotations["autoscaling.knative.dev/scale-to-zero-pod-retention-period"]);
        Assert.Equal("15m", (string?)annotations["serving.knative.dev/progress-deadline"]);
        Assert.Equal(8, (int?)template["spec"]!["containerConcurrency"]);
        var container = template["spec"]!["containers"]![0]!;
        Assert.Equal("http1", (string?)container["ports"]![0]!["name"]);
        Assert.Equal("/health/ready", (string?)container["readinessProbe"]!["httpGet"]!["path"]);
    }

    [Fact]
    public void Dev_mode_pins_knative_min_scale_to_at_least_one()
    {
        var dev = ManifestRenderer.Render(Samples.Cpu() with { Autoscale = FullAutoscale }, Samples.Context());
        var json = Schemas.AssertValid(dev[0]);
        Assert.Equal("1", (string?)json["spec"]!["template"]!["metadata"]!["annotations"]!["autoscaling.knative.dev/min-scale"]);

        var unset = ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu() with { Autoscale = new Autoscale(Max: 3) }, Samples.Context())[0]);
        Assert.Equal("1", (string?)unset["spec"]!["template"]!["metadata"]!["annotations"]!["autoscaling.knative.dev/min-scale"]);

        var higher = ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu() with { Autoscale = new Autoscale(Min: 4) }, Samples.Context())[0]);
        Assert.Equal("4", (string?)higher["spec"]!["template"]!["metadata"]!["annotations"]!["autoscaling.knative.dev/min-scale"]);
    }

    [Fact]
    public void Knative_service_carries_gpu_secrets_and_volumes_and_stays_valid()
    {
        var compute = Samples.Cpu() with
        {
            Autoscale = new Autoscale(Max: 2),
            Gpus = 1,
            GpuType = "NVIDIA-L4",
            Secrets = [new SecretMount("token"), new SecretMount("certs", SecretMode.Volume)],
            SharedMemorySize = "1Gi",
        };
        var json = Schemas.AssertValid(ManifestRenderer.Render(compute, Samples.Context())[0]);
        var spec = json["spec"]!["template"]!["spec"]!;
        Assert.Equal("NVIDIA-L4", (string?)spec["nodeSelector"]!["nvidia.com/gpu.product"]);
        Assert.Equal("1", (string?)spec["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"]);
        Assert.Equal(2, spec["volumes"]!.AsArray().Count);
    }

    [Fact]
    public void Ray_distribution_renders_a_valid_raycluster_with_head_and_n_minus_one_workers_and_a_head_service()
    {
        var compute = Samples.Cpu() with { Distribute = Distribute.Of("ray", 4), Gpus = 1 };
        var objects = ManifestRenderer.Render(compute, Samples.Context());
        foreach (var o in objects)
        {
            Schemas.AssertValid(o);
        }

        var cluster = Schemas.Single(objects, "RayCluster");
        var spec = cluster["spec"]!;
        Assert.Equal("ray.io/v1", (string?)cluster["apiVersion"]);
        Assert.Equal("true", (string?)cluster["metadata"]!["annotations"]!["ray.io/overwrite-container-cmd"]);
        Assert.Equal("head", (string?)spec["headGroupSpec"]!["template"]!["metadata"]!["labels"]![KtLabels.Role]);
        var workers = Assert.Single(spec["workerGroupSpecs"]!.AsArray())!;
        Assert.Equal(3, (int?)workers["replicas"]);
        Assert.Equal(3, (int?)workers["minReplicas"]);
        Assert.Equal(3, (int?)workers["maxReplicas"]);
        Assert.Equal("1", (string?)workers["template"]!["spec"]!["containers"]![0]!["resources"]!["limits"]!["nvidia.com/gpu"]);

        var service = Schemas.Single(objects, "Service");
        Assert.Equal("head", (string?)service["spec"]!["selector"]![KtLabels.Role]);
        Assert.Equal("hello", (string?)service["spec"]!["selector"]![KtLabels.Service]);
    }

    [Fact]
    public void Spmd_distribution_renders_ranks_with_stable_names_behind_a_headless_service()
    {
        var compute = Samples.Cpu() with { Distribute = Distribute.Of("spmd", 3) };
        var objects = ManifestRenderer.Render(compute, Samples.Context());
        foreach (var o in objects)
        {
            Schemas.AssertValid(o);
        }

        var headless = ManifestJson.ToNode(objects[0]);
        Assert.Equal("None", (string?)headless["spec"]!["clusterIP"]);
        Assert.True((bool?)headless["spec"]!["publishNotReadyAddresses"]);
        Assert.Equal("hello-ranks", (string?)headless["metadata"]!["name"]);

        var set = Schemas.Single(objects, "StatefulSet");
        Assert.Equal(3, (int?)set["spec"]!["replicas"]);
        Assert.Equal("hello-ranks", (string?)set["spec"]!["serviceName"]);
        Assert.Equal("Parallel", (string?)set["spec"]!["podManagementPolicy"]);
        var env = set["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!);
        Assert.Equal("3", (string?)env["WORLD_SIZE"]!["value"]);
        Assert.Equal("hello-0.hello-ranks.team-a.svc.cluster.local", (string?)env["MASTER_ADDR"]!["value"]);
        Assert.Equal("29500", (string?)env["MASTER_PORT"]!["value"]);
        Assert.Equal("metadata.labels['apps.kubernetes.io/pod-index']", (string?)env["RANK"]!["valueFrom"]!["fieldRef"]!["fieldPath"]);
    }

    [Fact]
    public void Single_worker_ray_cluster_has_no_worker_group()
    {
        var objects = ManifestRenderer.Render(Samples.Cpu() with { Distribute = Distribute.Of("ray", 1) }, Samples.Context());
        var cluster = Schemas.AssertValid(objects[1]);
        Assert.Null(cluster["spec"]!["workerGroupSpecs"]);
    }

    [Fact]
    public void Bring_your_own_manifest_is_merged_without_overriding_user_values()
    {
        const string userYaml = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: hello
              labels:
                team: vision
            spec:
              replicas: 5
              template:
                spec:
                  containers:
                    - name: kt
                      image: registry.local/custom:1
                      env:
                        - name: LOG_LEVEL
                          value: debug
                        - name: KT_SERVICE
                          value: custom-name
                    - name: sidecar
                      image: registry.local/sidecar:1
                  volumes:
                    - name: scratch
                      emptyDir: {}
            """;
        var compute = Samples.Cpu() with { SharedMemorySize = "1Gi" };
        var objects = ManifestRenderer.Render(compute, Samples.Context() with { ExistingWorkloadManifest = userYaml });
        var merged = Assert.IsType<JsonObject>(objects[1]);
        Schemas.AssertValid(merged);

        Assert.Equal(5, (int?)merged["spec"]!["replicas"]);
        Assert.Equal("vision", (string?)merged["metadata"]!["labels"]!["team"]);
        Assert.Equal("kt", (string?)merged["metadata"]!["labels"]![KtLabels.ManagedBy]);
        var containers = merged["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["kt", "sidecar"], containers.Select(c => (string?)c!["name"]));
        var kt = containers[0]!;
        Assert.Equal("registry.local/custom:1", (string?)kt["image"]);
        Assert.Equal("/health/ready", (string?)kt["readinessProbe"]!["httpGet"]!["path"]);
        var env = kt["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!);
        Assert.Equal("debug", (string?)env["LOG_LEVEL"]!["value"]);
        Assert.Equal("custom-name", (string?)env["KT_SERVICE"]!["value"]);
        Assert.True(env.ContainsKey("KT_POD_NAME"));
        Assert.Equal(["scratch", "dshm"], merged["spec"]!["template"]!["spec"]!["volumes"]!.AsArray().Select(v => (string?)v!["name"]));
        Assert.Equal("hello", (string?)merged["spec"]!["selector"]!["matchLabels"]![KtLabels.Service]);
    }

    [Fact]
    public void Bring_your_own_manifest_of_another_kind_is_refused()
    {
        var context = Samples.Context() with { ExistingWorkloadManifest = """{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"hello"}}""" };
        Assert.Equal("KT5011", Assert.Throws<Core.KtException>(() => ManifestRenderer.Render(Samples.Cpu(), context)).Code);
    }

    [Fact]
    public void Bring_your_own_manifest_with_a_typo_fails_strict_validation_with_its_path()
    {
        var context = Samples.Context() with { ExistingWorkloadManifest = "kind: Deployment\nspec:\n  replica: 2\n" };
        var merged = ManifestRenderer.Render(Samples.Cpu(), context)[1];
        var problem = Assert.Single(Schemas.Validator.Validate(merged));
        Assert.Equal("$.spec.replica", problem.Path);
    }

    [Fact]
    public void Selector_only_mode_adopts_running_pods_with_just_a_service()
    {
        var context = Samples.Context() with { AdoptPodsSelector = new Dictionary<string, string> { ["app"] = "legacy" } };
        var service = Schemas.AssertValid(Assert.Single(ManifestRenderer.Render(Samples.Cpu(), context)));
        Assert.Equal("Service", (string?)service["kind"]);
        Assert.Equal("legacy", (string?)service["spec"]!["selector"]!["app"]);
        Assert.Null(service["spec"]!["selector"]![KtLabels.Service]);

        var withAutoscale = Samples.Cpu() with { Autoscale = new Autoscale(Max: 2) };
        Assert.Equal("KT5013", Assert.Throws<Core.KtException>(() => ManifestRenderer.Render(withAutoscale, context)).Code);
    }
}
