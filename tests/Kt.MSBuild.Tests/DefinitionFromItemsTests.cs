using Kt.Core;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

namespace Kt.MSBuild.Tests;

public sealed class DefinitionFromItemsTests
{
    private static TaskItem Item(string include, params (string Name, string Value)[] metadata)
    {
        var item = new TaskItem(include);
        foreach (var (name, value) in metadata)
        {
            item.SetMetadata(name, value);
        }

        return item;
    }

    private static ProjectDefinition Create(
        ITaskItem[]? setup = null, ITaskItem[]? environment = null, string? workingDirectory = null, string? user = null,
        string? gpus = null, string? replicas = null) =>
        DefinitionFromItems.Create(new DefinitionInputs(
            "hello", "127.0.0.1:5000/kt-test/debian:bookworm", null, setup ?? [], environment ?? [], workingDirectory, user,
            "Hello.dll", null, null, null, gpus, replicas, null, null));

    [Fact]
    public void KtOtlpEndpoint_reaches_the_definitions_compute_and_a_blank_one_means_none()
    {
        DefinitionInputs Inputs(string? endpoint) => new(
            "hello", null, null, [], [], null, null, "Hello.dll", null, null, null, null, null, null, null, OtlpEndpoint: endpoint);

        Assert.Equal("http://collector:4318", DefinitionFromItems.Create(Inputs("http://collector:4318")).Compute.OtlpEndpoint);
        Assert.Null(DefinitionFromItems.Create(Inputs(" ")).Compute.OtlpEndpoint);
        // Absent, it is not written: a definition file without telemetry stays as it was.
        Assert.DoesNotContain("otlpEndpoint", System.Text.Json.JsonSerializer.Serialize(DefinitionFromItems.Create(Inputs(null)).Compute), StringComparison.Ordinal);
    }

    [Fact]
    public void Setup_items_keep_their_written_order_and_metadata_become_arguments()
    {
        var definition = Create(setup:
        [
            Item("apt", ("Packages", "curl git")),
            Item("env", ("Name", "MODEL_DIR"), ("Value", "/models")),
            Item("copy", ("Source", "config/*.json"), ("Destination", "config/")),
            Item("run", ("Command", "echo ready > /etc/kt-ready"), ("Force", "true")),
        ]);

        Assert.Equal(["apt", "env", "copy", "run"], definition.Steps.Select(s => s.Kind));
        Assert.Equal("curl git", definition.Steps[0].Arguments["Packages"]);
        Assert.Equal(new Dictionary<string, string> { ["Name"] = "MODEL_DIR", ["Value"] = "/models" }, definition.Steps[1].Arguments);
        Assert.Equal("config/*.json", definition.Steps[2].Arguments["Source"]);
        Assert.True(definition.Steps[3].Force);
        Assert.False(definition.Steps[3].Arguments.ContainsKey("Force"), "Force is a flag of the step, not an argument");
        Assert.False(definition.Steps[0].Force);
        Assert.Equal("KtSetup item 2 ('env')", definition.Steps[1].Origin);
    }

    [Fact]
    public void Fault9_misspelled_setup_metadata_warns_naming_the_item_and_what_the_kind_reads()
    {
        var warnings = new List<string>();
        DefinitionFromItems.Create(new DefinitionInputs(
            "hello", "127.0.0.1:5000/kt-test/debian:bookworm", null, [Item("env", ("Name", "MODE"), ("Vaule", "1")), Item("run", ("command", "true"))], [], null, null,
            "Hello.dll", null, null, null, null, null, null, null), warnings.Add);

        var warning = Assert.Single(warnings); // 'command' in another case is read: names are case-insensitive
        Assert.Contains("KtSetup item 1 ('env')", warning, StringComparison.Ordinal);
        Assert.Contains("'Vaule'", warning, StringComparison.Ordinal);
        Assert.Contains("reads Name, Value", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Well_known_item_metadata_do_not_leak_into_arguments()
    {
        // A file-looking Include gets FullPath/Filename/… from MSBuild; those must never become step arguments.
        var definition = Create(setup: [Item("workdir", ("Path", "/app"))]);

        Assert.Equal(["Path"], definition.Steps[0].Arguments.Keys);
    }

    [Fact]
    public void Sdk_container_items_follow_the_setup_steps()
    {
        var definition = Create(
            setup: [Item("env", ("Name", "A"), ("Value", "1"))],
            environment: [Item("ASPNETCORE_URLS", ("Value", "http://+:8080")), Item("B", ("Value", "2"))],
            workingDirectory: "/srv/app",
            user: "app");

        // ContainerWorkingDirectory is where the app goes and starts (the SDK's meaning), not a setup step.
        Assert.Equal(["env", "env", "env", "user"], definition.Steps.Select(s => s.Kind));
        Assert.Equal("ASPNETCORE_URLS", definition.Steps[1].Arguments["Name"]);
        Assert.Equal("http://+:8080", definition.Steps[1].Arguments["Value"]);
        Assert.Equal("ContainerEnvironmentVariable 'B'", definition.Steps[2].Origin);
        Assert.Equal("app", definition.Steps[3].Arguments["Name"]);
        Assert.Equal("/srv/app", definition.App!.WorkingDirectory);
    }

    [Fact]
    public void Container_labels_ports_and_dockerfile_arguments_reach_the_definition_and_the_image()
    {
        var definition = DefinitionFromItems.Create(new DefinitionInputs(
            "hello", null, "Dockerfile", [], [], null, null, "Hello.dll", null, null, null, null, null, null, null, null,
            new ImageInputs(
                [Item("org.opencontainers.image.version", ("Value", "1.2.3")), Item("team", ("Value", "kt"))],
                [Item("8080", ("Type", "tcp")), Item("9090", ("Type", "udp")), Item("7070")],
                [Item("DEBIAN", ("Value", "bookworm"))])));

        Assert.Equal(new Dictionary<string, string> { ["org.opencontainers.image.version"] = "1.2.3", ["team"] = "kt" }, definition.Labels);
        Assert.Equal(["8080/tcp", "9090/udp", "7070"], definition.Ports);
        Assert.Equal("bookworm", definition.DockerfileArguments!["DEBIAN"]);

        var folder = Path.Combine(Path.GetTempPath(), "kt-items-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "Dockerfile"), "ARG DEBIAN=bullseye\nFROM kt-test/debian:${DEBIAN}\nLABEL team=base from=dockerfile\nEXPOSE 8080\n");
            var image = Kt.ImageCompiler.Model.StepFactory.FromProject(definition, folder, publishDirectory: null);
            Assert.Equal("kt-test/debian:bookworm", image.Base.Reference); // the KtDockerfileArg wins over the ARG default
            Assert.Equal(new Dictionary<string, string> { ["from"] = "dockerfile", ["org.opencontainers.image.version"] = "1.2.3", ["team"] = "kt" }, image.Labels);
            Assert.Equal(["8080/tcp", "9090/udp", "7070/tcp"], image.ExposedPorts);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Properties_fill_the_compute_with_defaults()
    {
        var definition = Create(gpus: "2");

        Assert.Equal("hello", definition.Service);
        Assert.Equal("127.0.0.1:5000/kt-test/debian:bookworm", definition.BaseImage);
        Assert.Equal("Hello.dll", definition.App?.EntryAssembly);
        Assert.Equal(2, definition.Compute.Gpus);
        Assert.Equal(1, definition.Compute.Replicas);
        Assert.Equal("process", definition.Compute.Backend);
        Assert.Equal("default", definition.Compute.Namespace);
    }

    [Fact]
    public void An_unknown_setup_kind_is_KT6001_naming_the_item()
    {
        var error = Assert.Throws<KtException>(() => Create(setup: [Item("env", ("Name", "A"), ("Value", "1")), Item("brew", ("Packages", "jq"))]));

        Assert.Equal(MSBuildErrors.UnknownSetupKind, error.Code);
        Assert.Contains("KtSetup item 2 ('brew')", error.Detail, StringComparison.Ordinal);
        Assert.Contains("apt", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("two")]
    [InlineData("-1")]
    [InlineData("1.5")]
    public void A_gpu_count_that_is_not_a_whole_number_is_KT6002(string gpus)
    {
        var error = Assert.Throws<KtException>(() => Create(gpus: gpus));

        Assert.Equal(MSBuildErrors.InvalidNumber, error.Code);
        Assert.Contains("KtGpus", error.Detail, StringComparison.Ordinal);
    }

    private static ProjectDefinition Cluster(ClusterInputs cluster, string replicas = "2") =>
        DefinitionFromItems.Create(new DefinitionInputs("hello", "base:1", null, [], [], null, null, "Hello.dll", "kubernetes", "4", "16Gi", "1", replicas, "ml", null, cluster));

    private static Dictionary<string, string> Properties(params (string Name, string Value)[] properties) =>
        properties.ToDictionary(p => p.Name, p => p.Value, StringComparer.Ordinal);

    [Fact]
    public void Cluster_properties_and_items_become_the_typed_cluster_declaration_and_survive_the_definition_file()
    {
        var definition = Cluster(new ClusterInputs
        {
            Properties = Properties(("KtGpuType", "NVIDIA-H100-80GB-HBM3"), ("KtLaunchTimeout", "15m"), ("KtSharedMemory", "8Gi"), ("KtQueue", " ")),
            NodeSelectors = [Item("pool", ("Value", "gpu"))],
            Tolerations = [Item("nvidia.com/gpu", ("Effect", "NoSchedule"))],
            Secrets = [Item("hf-token"), Item("certs", ("Mode", "volume"), ("MountPath", "/etc/certs"))],
            Volumes = [Item("datasets", ("MountPath", "/data"), ("ReadOnly", "true"))],
            Autoscale = [Item("knative", ("Min", "0"), ("Max", "8"), ("TargetPerPod", "4"), ("Window", "90s"))],
            Distribute = [Item("spmd", ("MasterPort", "29600"))],
        });
        var file = Path.Combine(Path.GetTempPath(), $"kt-def-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, System.Text.Json.JsonSerializer.Serialize(definition, ProjectDefinitionFile.Options));
        var read = ProjectDefinitionFile.Read(file, "KT6004");
        File.Delete(file);
        var cluster = read.Compute.Cluster!;

        Assert.Equal(ProjectDefinition.CurrentSchemaVersion, read.SchemaVersion);
        Assert.Equal("NVIDIA-H100-80GB-HBM3", cluster.GpuType);
        Assert.Equal((TimeSpan.FromMinutes(15), "8Gi"), (cluster.LaunchTimeout, cluster.SharedMemory));
        Assert.Null(cluster.Queue); // a blank property is not declared
        Assert.Equal("gpu", cluster.NodeSelector["pool"]);
        Assert.Equal(new TolerationSpec("nvidia.com/gpu", Effect: "NoSchedule"), cluster.Tolerations[0]);
        Assert.Equal([new SecretMount("hf-token"), new SecretMount("certs", SecretMode.Volume, "/etc/certs")], cluster.Secrets);
        Assert.Equal(new PvcVolume("datasets", "/data", ReadOnly: true), cluster.Volumes[0]);
        Assert.Equal(new Autoscale(Min: 0, Max: 8, Target: 4, Window: TimeSpan.FromSeconds(90)), cluster.Autoscale);
        Assert.Equal(new Distribute(DistributeKind.Spmd, Workers: 2, MasterPort: 29600), cluster.Distribute); // Workers: KtReplicas
    }

    [Theory]
    [InlineData("volume-without-mount-path", "KT5012", "KtVolume 'datasets' needs a MountPath")]
    [InlineData("secret-mode", "KT5012", "KtSecret 'certs' Mode is 'disk'")]
    [InlineData("read-only", "KT5004", "KtVolume 'datasets' ReadOnly is 'yes'")]
    [InlineData("workers", "KT5004", "KtDistribute Workers is 'four'")]
    [InlineData("distribution-kind", "KT5010", "Unknown distribution 'mpi'")]
    [InlineData("target", "KT5005", "KtAutoscale TargetPerPod 'lots'")]
    [InlineData("window", "KT5004", "KtAutoscale Window is '90 secs'")]
    [InlineData("launch-timeout", "KT5004", "KtLaunchTimeout is 'soon'")]
    public void A_cluster_item_that_does_not_parse_is_one_error_at_the_build_naming_the_item(string mistake, string code, string detail)
    {
        var inputs = mistake switch
        {
            "volume-without-mount-path" => new ClusterInputs { Volumes = [Item("datasets")] },
            "secret-mode" => new ClusterInputs { Secrets = [Item("certs", ("Mode", "disk"))] },
            "read-only" => new ClusterInputs { Volumes = [Item("datasets", ("MountPath", "/data"), ("ReadOnly", "yes"))] },
            "workers" => new ClusterInputs { Distribute = [Item("ray", ("Workers", "four"))] },
            "distribution-kind" => new ClusterInputs { Distribute = [Item("mpi")] },
            "target" => new ClusterInputs { Autoscale = [Item("knative", ("TargetPerPod", "lots"))] },
            "window" => new ClusterInputs { Autoscale = [Item("knative", ("Window", "90 secs"))] },
            _ => new ClusterInputs { Properties = Properties(("KtLaunchTimeout", "soon")) },
        };

        var error = Assert.Throws<KtException>(() => Cluster(inputs));

        Assert.Equal(code, error.Code);
        Assert.Contains(detail, error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void KtImagePullPolicy_becomes_the_containers_pull_policy_and_anything_else_is_KT6014()
    {
        var definition = Cluster(new ClusterInputs { Properties = Properties(("KtImagePullPolicy", "ifnotpresent")) });
        var compute = Kt.Kubernetes.Model.ProjectCompute.From(definition, "registry.local/kt/hello@sha256:" + new string('0', 64));
        var deployment = Kt.Kubernetes.ManifestJson.ToNode(Kt.Kubernetes.Rendering.ManifestRenderer.Render(compute, Kt.Kubernetes.Rendering.RenderContext.ForPodRuntime())
            .Single(m => Kt.Kubernetes.ManifestJson.Identify(m).Kind == "Deployment"));

        Assert.Equal(ImagePullPolicy.IfNotPresent, definition.Compute.Cluster!.ImagePullPolicy);
        Assert.Equal("IfNotPresent", (string?)deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["imagePullPolicy"]);
        var error = Assert.Throws<KtException>(() => Cluster(new ClusterInputs { Properties = Properties(("KtImagePullPolicy", "Sometimes")) }));
        Assert.Equal("KT6014", error.Code);
        Assert.Contains("Always, IfNotPresent or Never", error.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0", "nodeAffinity")]
    [InlineData("1", "podAntiAffinity")]
    public void KtGpuAntiAffinity_keeps_a_cpu_service_off_gpu_nodes_and_spreads_a_gpu_service(string gpus, string affinity)
    {
        var definition = DefinitionFromItems.Create(new DefinitionInputs("hello", "base:1", null, [], [], null, null, "Hello.dll", "kubernetes", null, null, gpus, "2", "ml", null,
            new ClusterInputs { Properties = Properties(("KtGpuAntiAffinity", "true")) }));
        var compute = Kt.Kubernetes.Model.ProjectCompute.From(definition, "registry.local/kt/hello@sha256:" + new string('0', 64));
        var deployment = Kt.Kubernetes.ManifestJson.ToNode(Kt.Kubernetes.Rendering.ManifestRenderer.Render(compute, Kt.Kubernetes.Rendering.RenderContext.ForPodRuntime())
            .Single(m => Kt.Kubernetes.ManifestJson.Identify(m).Kind == "Deployment"));
        var rule = deployment["spec"]!["template"]!["spec"]!["affinity"]!.AsObject();

        Assert.Equal([affinity], rule.Select(p => p.Key));
        if (gpus == "0")
        {
            var term = rule["nodeAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]!["nodeSelectorTerms"]![0]!["matchExpressions"]![0]!;
            Assert.Equal(("nvidia.com/gpu.count", "DoesNotExist"), ((string?)term["key"], (string?)term["operator"]));
        }

        Assert.Equal("KT5004", Assert.Throws<KtException>(() => Cluster(new ClusterInputs { Properties = Properties(("KtGpuAntiAffinity", "yes")) })).Code);
    }

    [Fact]
    public void Without_cluster_settings_there_is_no_cluster_declaration_and_two_autoscale_items_are_refused()
    {
        Assert.Null(Create().Compute.Cluster);
        var error = Assert.Throws<KtException>(() => DefinitionFromItems.Create(new DefinitionInputs("hello", "base:1", null, [], [], null, null, null, null, null, null, null, null, null, null,
            new ClusterInputs { Autoscale = [Item("knative"), Item("knative")] })));
        Assert.Equal(MSBuildErrors.DuplicateClusterItem, error.Code);
        Assert.Contains("at most one", error.Detail, StringComparison.Ordinal);
    }
}
