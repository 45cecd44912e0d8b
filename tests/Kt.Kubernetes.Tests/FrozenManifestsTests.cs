using System.Text.Json.Nodes;
using Kt.Core;
using Kt.Kubernetes.Rendering;

namespace Kt.Kubernetes.Tests;

/// <summary>The ko-style output of <c>-p:KtFreeze=true</c>: a YAML stream for kubectl, valid against the upstream schemas.</summary>
public sealed class FrozenManifestsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kt-manifests-" + Guid.NewGuid().ToString("N")[..8]);

    private static ProjectDefinition Project(int gpus = 1, int replicas = 2) => new()
    {
        Service = "trainer",
        BaseImage = "nvidia/cuda:12.4.1-runtime-ubuntu22.04",
        App = new AppDeclaration("Trainer.dll", "/srv/app"),
        Compute = new ComputeDeclaration { Backend = "kubernetes", Cpus = "4", Memory = "16Gi", Gpus = gpus, Replicas = replicas, Namespace = "ml" },
    };

    [Fact]
    public void The_written_stream_reads_back_as_schema_valid_frozen_objects_for_the_pinned_image()
    {
        var image = $"registry.local/ml/trainer@{Samples.Digest}";
        var file = FrozenManifests.Write(Project(), image, _folder);

        Assert.Equal(Path.Combine(_folder, "trainer.yaml"), file);
        var text = File.ReadAllText(file);
        Assert.Contains("kubectl -n ml create secret generic trainer-kt-token --from-literal=token=", text, StringComparison.Ordinal);
        var documents = YamlJson.ParseAll(text);
        Assert.Equal(["Service", "Deployment"], documents.Select(d => (string?)d!["kind"]));
        foreach (var document in documents)
        {
            Assert.Empty(Schemas.Validator.ValidateJson(document!.ToJsonString()));
        }

        // What was written is exactly what the renderer produced (no YAML type confusion on the way).
        var rendered = FrozenManifests.Render(Project(), image).Select(ManifestJson.ToNode).ToList();
        Assert.True(documents.Zip(rendered).All(pair => JsonNode.DeepEquals(pair.First, pair.Second)));

        var deployment = documents[1]!;
        Assert.Equal(2L, (long?)deployment["spec"]!["replicas"]);
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal(image, (string?)container["image"]);
        Assert.Equal(["/kt/dotnet/dotnet", "/kt/runtime/Kt.PodRuntime.dll"], container["command"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(["--port", "32300", "--root", "/kt/data", "--frozen-app", "/srv/app"], container["args"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("1", (string?)container["resources"]!["limits"]!["nvidia.com/gpu"]);
        Assert.Equal("16Gi", (string?)container["resources"]!["requests"]!["memory"]);
    }

    [Fact]
    public void A_tag_instead_of_a_digest_is_refused_and_nothing_is_written()
    {
        var error = Assert.Throws<KtException>(() => FrozenManifests.Write(Project(), "registry.local/ml/trainer:1.0", _folder));
        Assert.Equal("KT5007", error.Code);
        Assert.False(Directory.Exists(_folder));
    }

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary>The cluster side a csproj declares (KtAutoscale, KtDistribute, KtSecret, …) reaches the rendered objects.</summary>
public sealed class ProjectComputeTests
{
    private const string Image = "registry.local/ml/app@" + Samples.Digest;

    /// <summary>The one object of that kind, validated against the upstream schemas.</summary>
    private static JsonObject Valid(IReadOnlyList<object> objects, string kind) =>
        Schemas.AssertValid(Assert.Single(objects, o => (string?)ManifestJson.ToNode(o)["kind"] == kind));

    private static ProjectDefinition Project(ClusterDeclaration cluster, int replicas = 1) => new()
    {
        Service = "trainer",
        App = new AppDeclaration("Trainer.dll"),
        Compute = new ComputeDeclaration { Backend = "kubernetes", Gpus = 1, Replicas = replicas, Namespace = "ml", Cluster = cluster },
    };

    [Fact]
    public void Declared_scheduling_storage_and_secrets_are_rendered_and_valid()
    {
        var cluster = new ClusterDeclaration
        {
            GpuType = "NVIDIA-H100-80GB-HBM3",
            SharedMemory = "8Gi",
            LaunchTimeout = TimeSpan.FromMinutes(15),
            InactivityTtl = TimeSpan.FromHours(2),
            NodeSelector = new Dictionary<string, string> { ["pool"] = "gpu" },
            Tolerations = [new TolerationSpec("dedicated", "ml", "NoExecute")],
            Secrets = [new SecretMount("hf-token"), new SecretMount("certs", SecretMode.Volume, "/etc/certs")],
            Volumes = [new PvcVolume("datasets", "/data", ReadOnly: true)],
        };

        var objects = FrozenManifests.Render(Project(cluster), Image);
        var deployment = Valid(objects, "Deployment");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]![0]!;

        Assert.Equal("NVIDIA-H100-80GB-HBM3", (string?)pod["nodeSelector"]!["nvidia.com/gpu.product"]);
        Assert.Equal("gpu", (string?)pod["nodeSelector"]!["pool"]);
        Assert.Contains(pod["tolerations"]!.AsArray(), t => (string?)t!["key"] == "dedicated" && (string?)t["effect"] == "NoExecute");
        Assert.Contains(container["envFrom"]!.AsArray(), e => (string?)e!["secretRef"]!["name"] == "hf-token");
        Assert.Contains(container["volumeMounts"]!.AsArray(), m => (string?)m!["mountPath"] == "/etc/certs" && (bool?)m["readOnly"] == true);
        Assert.Contains(container["volumeMounts"]!.AsArray(), m => (string?)m!["mountPath"] == "/data" && (bool?)m["readOnly"] == true);
        Assert.Contains(container["volumeMounts"]!.AsArray(), m => (string?)m!["mountPath"] == "/dev/shm");
        Assert.Equal(180, (int?)container["startupProbe"]!["failureThreshold"]); // 15 min / 5 s
        Assert.Equal("2h", (string?)deployment["metadata"]!["annotations"]![KtLabels.InactivityTtl]);
    }

    [Fact]
    public void A_declared_autoscaler_renders_a_valid_knative_service_and_a_distribution_a_valid_ray_cluster()
    {
        var knative = FrozenManifests.Render(Project(new ClusterDeclaration
        {
            Autoscale = new Autoscale(Min: 0, Max: 8, Target: 4, Window: TimeSpan.FromSeconds(90), ContainerConcurrency: 2),
        }), Image);
        var service = Valid(knative, "Service");
        Assert.Equal("serving.knative.dev/v1", (string?)service["apiVersion"]);
        var annotations = service["spec"]!["template"]!["metadata"]!["annotations"]!;
        Assert.Equal(("0", "8", "4", "1m30s"), ((string?)annotations["autoscaling.knative.dev/min-scale"], (string?)annotations["autoscaling.knative.dev/max-scale"],
            (string?)annotations["autoscaling.knative.dev/target"], (string?)annotations["autoscaling.knative.dev/window"]));

        var ray = FrozenManifests.Render(Project(new ClusterDeclaration { Distribute = Distribute.Of("ray", 3) }, replicas: 3), Image);
        var rayCluster = Valid(ray, "RayCluster");
        Assert.Equal(2, (int?)rayCluster["spec"]!["workerGroupSpecs"]![0]!["replicas"]); // 3 pods: the head and two workers
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("1h30m", 5400)]
    [InlineData("00:10:00", 600)]
    [InlineData("1.5m", 90)]
    public void Durations_read_go_and_dotnet_forms(string text, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), DurationText.Parse(text, "KtLaunchTimeout"));

    [Theory]
    [InlineData("ten minutes")]
    [InlineData("10")]
    [InlineData("5d")]
    public void A_malformed_duration_is_KT5004_naming_the_property(string text)
    {
        var error = Assert.Throws<KtException>(() => DurationText.Parse(text, "KtLaunchTimeout"));
        Assert.Equal("KT5004", error.Code);
        Assert.Contains("KtLaunchTimeout", error.Detail, StringComparison.Ordinal);
    }
}
