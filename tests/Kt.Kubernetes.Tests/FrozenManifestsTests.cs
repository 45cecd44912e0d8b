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
