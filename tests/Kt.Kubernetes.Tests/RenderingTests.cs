using System.Text.Json.Nodes;
using k8s.Models;
using Kt.Core;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;
using Kt.PodRuntime.Protocol;

namespace Kt.Kubernetes.Tests;

public class RenderingTests
{
    [Fact]
    public void Default_cpu_compute_renders_a_valid_service_and_deployment_running_the_pod_runtime()
    {
        var objects = ManifestRenderer.Render(Samples.Cpu() with { Disk = "10Gi", MemoryLimit = "2Gi" }, Samples.Context());

        Assert.Equal(["Service", "Deployment"], objects.Select(o => (string?)ManifestJson.ToNode(o)["kind"]));
        foreach (var o in objects)
        {
            Schemas.AssertValid(o);
        }

        var service = Assert.IsType<V1Service>(objects[0]);
        Assert.Equal("ClusterIP", service.Spec.Type);
        Assert.Equal("hello", service.Spec.Selector[KtLabels.Service]);
        Assert.Equal(32300, service.Spec.Ports[0].Port);

        var deployment = Assert.IsType<V1Deployment>(objects[1]);
        Assert.Equal("team-a", deployment.Metadata.NamespaceProperty);
        Assert.Equal("kt", deployment.Metadata.Labels[KtLabels.ManagedBy]);
        Assert.Equal("hello", deployment.Metadata.Labels[KtLabels.Name]);
        Assert.Equal("hello", deployment.Spec.Template.Metadata.Labels[KtLabels.Service]);
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        Assert.Equal(["/kt/dotnet/dotnet", "/kt/runtime/Kt.PodRuntime.dll"], container.Command);
        var token = Assert.Single(container.Env, e => e.Name == "KT_TOKEN");
        Assert.Equal(("hello-kt-token", "token"), (token.ValueFrom.SecretKeyRef.Name, token.ValueFrom.SecretKeyRef.Key));
        Assert.Equal("hello", Assert.Single(container.Env, e => e.Name == "KT_SERVICE").Value);
        Assert.Equal(["--port", "32300", "--root", "/kt/data"], container.Args);
        Assert.Equal("500m", container.Resources.Requests["cpu"].ToString());
        Assert.Equal("1Gi", container.Resources.Requests["memory"].ToString());
        Assert.Equal("10Gi", container.Resources.Requests["ephemeral-storage"].ToString());
        Assert.Equal(["memory"], container.Resources.Limits.Keys);
        Assert.Null(deployment.Spec.Template.Spec.Tolerations);
    }

    [Fact]
    public void Probes_check_health_and_ready_and_the_startup_probe_covers_the_launch_timeout()
    {
        var compute = Samples.Cpu() with { LaunchTimeout = TimeSpan.FromMinutes(3) };
        var deployment = Assert.IsType<V1Deployment>(ManifestRenderer.Render(compute, Samples.Context())[1]);
        var container = deployment.Spec.Template.Spec.Containers[0];

        Assert.Equal("/health", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/health/ready", container.ReadinessProbe.HttpGet.Path); // the kubelet sends no bearer token
        Assert.Equal("/health", container.StartupProbe.HttpGet.Path);
        Assert.Equal(5, container.StartupProbe.PeriodSeconds);
        Assert.Equal(36, container.StartupProbe.FailureThreshold); // 180 s / 5 s
        Assert.Equal("32300", container.StartupProbe.HttpGet.Port.Value);
        Schemas.AssertValid(deployment);
    }

    [Fact]
    public void Gpu_compute_requests_and_limits_gpus_tolerates_the_gpu_taint_selects_the_product_and_spreads_pods()
    {
        var compute = Samples.Cpu() with { Gpus = 2, GpuType = "NVIDIA-A100-SXM4-80GB", GpuAntiAffinity = true, Replicas = 3 };
        var json = Schemas.AssertValid(ManifestRenderer.Render(compute, Samples.Context())[1]);
        var pod = json["spec"]!["template"]!["spec"]!;
        var resources = pod["containers"]![0]!["resources"]!;

        Assert.Equal("2", (string?)resources["limits"]!["nvidia.com/gpu"]);
        Assert.Equal("2", (string?)resources["requests"]!["nvidia.com/gpu"]);
        Assert.Equal("NVIDIA-A100-SXM4-80GB", (string?)pod["nodeSelector"]!["nvidia.com/gpu.product"]);
        var toleration = Assert.Single(pod["tolerations"]!.AsArray());
        Assert.Equal("nvidia.com/gpu", (string?)toleration!["key"]);
        Assert.Equal("Exists", (string?)toleration["operator"]);
        Assert.Equal("NoSchedule", (string?)toleration["effect"]);
        var term = pod["affinity"]!["podAntiAffinity"]!["preferredDuringSchedulingIgnoredDuringExecution"]![0]!["podAffinityTerm"]!;
        Assert.Equal("kubernetes.io/hostname", (string?)term["topologyKey"]);
        Assert.Equal("hello", (string?)term["labelSelector"]!["matchLabels"]![KtLabels.Service]);
        Assert.Equal(3, (int?)json["spec"]!["replicas"]);
    }

    [Fact]
    public void Secrets_as_env_and_as_read_only_volume_pvcs_and_shared_memory_are_mounted()
    {
        var compute = Samples.Cpu() with
        {
            Secrets = [new SecretMount("hf-token"), new SecretMount("tls.certs", SecretMode.Volume)],
            Volumes = [new PvcVolume("datasets", "/data", ReadOnly: true), new PvcVolume("cache", "/cache")],
            SharedMemorySize = "2Gi",
        };
        var json = Schemas.AssertValid(ManifestRenderer.Render(compute, Samples.Context())[1]);
        var pod = json["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;

        Assert.Equal("hf-token", (string?)Assert.Single(container["envFrom"]!.AsArray())!["secretRef"]!["name"]);
        var volumes = pod["volumes"]!.AsArray().ToDictionary(v => (string)v!["name"]!);
        Assert.Equal("Memory", (string?)volumes["dshm"]!["emptyDir"]!["medium"]);
        Assert.Equal("2Gi", (string?)volumes["dshm"]!["emptyDir"]!["sizeLimit"]);
        Assert.Equal("tls.certs", (string?)volumes["secret-tls-certs"]!["secret"]!["secretName"]);
        Assert.Equal("datasets", (string?)volumes["pvc-datasets"]!["persistentVolumeClaim"]!["claimName"]);
        var mounts = container["volumeMounts"]!.AsArray().ToDictionary(m => (string)m!["name"]!);
        Assert.Equal("/dev/shm", (string?)mounts["dshm"]!["mountPath"]);
        Assert.Equal("/kt/secrets/tls.certs", (string?)mounts["secret-tls-certs"]!["mountPath"]);
        Assert.True((bool?)mounts["secret-tls-certs"]!["readOnly"]);
        Assert.True((bool?)mounts["pvc-datasets"]!["readOnly"]);
        Assert.Equal("/cache", (string?)mounts["pvc-cache"]!["mountPath"]);
        Assert.Null(mounts["pvc-cache"]!["readOnly"]);
    }

    [Fact]
    public void Scheduling_identity_queue_and_ttl_settings_reach_the_manifest()
    {
        var compute = Samples.Cpu() with
        {
            NodeSelector = new Dictionary<string, string> { ["pool"] = "batch" },
            Tolerations = [new TolerationSpec("dedicated", "ml")],
            Labels = new Dictionary<string, string> { ["team"] = "vision" },
            Annotations = new Dictionary<string, string> { ["example.com/owner"] = "ana" },
            ServiceAccount = "trainer",
            PriorityClass = "high",
            InactivityTtl = TimeSpan.FromMinutes(90),
            QueueName = "gpu-queue",
        };
        var json = Schemas.AssertValid(ManifestRenderer.Render(compute, Samples.Context())[1]);
        var pod = json["spec"]!["template"]!["spec"]!;

        Assert.Equal("batch", (string?)pod["nodeSelector"]!["pool"]);
        Assert.Equal("Equal", (string?)pod["tolerations"]![0]!["operator"]);
        Assert.Equal("ml", (string?)pod["tolerations"]![0]!["value"]);
        Assert.False(pod["tolerations"]![0]!.AsObject().ContainsKey("effect")); // no effect: tolerates every effect
        var podName = json["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray().Single(e => (string?)e!["name"] == "KT_POD_NAME")!;
        Assert.Equal(("v1", "metadata.name"), ((string?)podName["valueFrom"]!["fieldRef"]!["apiVersion"], (string?)podName["valueFrom"]!["fieldRef"]!["fieldPath"]));
        Assert.Equal("trainer", (string?)pod["serviceAccountName"]);
        Assert.Equal("high", (string?)pod["priorityClassName"]);
        Assert.Equal("1h30m", (string?)json["metadata"]!["annotations"]![KtLabels.InactivityTtl]);
        Assert.Equal("gpu-queue", (string?)json["metadata"]!["labels"]![KtLabels.KueueQueueName]);
        Assert.Equal("gpu-queue", (string?)json["spec"]!["template"]!["metadata"]!["labels"]![KtLabels.KueueQueueName]);
        Assert.Equal("vision", (string?)json["spec"]!["template"]!["metadata"]!["labels"]!["team"]);
        Assert.Equal("ana", (string?)json["spec"]!["template"]!["metadata"]!["annotations"]!["example.com/owner"]);
    }

    [Fact]
    public void Dev_mode_keeps_per_deploy_data_out_of_the_pod_template_so_code_changes_never_restart_pods()
    {
        var first = ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu(), Samples.Context(("kt.dev/code-version", "v1"), ("kt.dev/plan", "sha256:aa")))[1]);
        var second = ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu(), Samples.Context(("kt.dev/code-version", "v2"), ("kt.dev/plan", "sha256:bb")))[1]);
        var newImage = ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu() with { Image = "registry.local/kt/app:2" }, Samples.Context())[1]);

        Assert.Equal("v2", (string?)second["metadata"]!["annotations"]!["kt.dev/code-version"]);
        Assert.True(JsonNode.DeepEquals(first["spec"]!["template"], second["spec"]!["template"]));
        Assert.False(JsonNode.DeepEquals(first["spec"]!["template"], newImage["spec"]!["template"]));
        Assert.DoesNotContain("code-version", first["spec"]!["template"]!.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Frozen_mode_needs_a_digest_and_starts_the_runtime_frozen()
    {
        var context = Samples.Context() with { DevMode = false, Launch = PodRuntimeLayout.Frozen() };
        var error = Assert.Throws<Core.KtException>(() => ManifestRenderer.Render(Samples.Cpu(), context));
        Assert.Equal("KT5007", error.Code);

        var pinned = Samples.Cpu() with { Image = $"registry.local/kt/app@{Samples.Digest}" };
        var json = Schemas.AssertValid(ManifestRenderer.Render(pinned, context)[1]);
        var container = json["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(["--port", "32300", "--root", "/kt/data", "--frozen-app", "/app"], container["args"]!.AsArray().Select(a => (string?)a));
        Assert.Equal($"registry.local/kt/app@{Samples.Digest}", (string?)container["image"]);
        Assert.Equal("KT5008", Assert.Throws<Core.KtException>(() => ManifestRenderer.Render(pinned, context with { DevMode = true })).Code);
    }
}
