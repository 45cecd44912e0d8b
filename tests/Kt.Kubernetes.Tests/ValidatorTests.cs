using System.Text.Json.Nodes;
using Kt.Core;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;
using Kt.Kubernetes.Validation;

namespace Kt.Kubernetes.Tests;

/// <summary>The validator must catch what a strict API server rejects, on every schema family Kt renders.</summary>
public class ValidatorTests
{
    public static TheoryData<string> Families => ["Deployment", "Service", "KnativeService", "RayCluster", "StatefulSet"];

    [Theory]
    [MemberData(nameof(Families))]
    public void An_unknown_field_is_reported_with_its_path(string family)
    {
        var (json, podSpecPath) = Rendered(family);
        At(json, podSpecPath)["containers"]![0]!["imagePullPolice"] = "Always";

        var problem = Assert.Single(Schemas.Validator.ValidateJson(json.ToJsonString()));
        Assert.Equal($"$.{podSpecPath}.containers[0].imagePullPolice", problem.Path);
        Assert.Contains("unknown field", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void A_wrong_type_is_reported_with_its_path(string family)
    {
        var (json, podSpecPath) = Rendered(family);
        At(json, podSpecPath)["containers"]![0]!["ports"]![0]!["containerPort"] = "http";

        var problem = Assert.Single(Schemas.Validator.ValidateJson(json.ToJsonString()));
        Assert.Equal($"$.{podSpecPath}.containers[0].ports[0].containerPort", problem.Path);
        Assert.Contains("wrong type: expected integer", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void A_missing_required_field_is_reported_with_its_path(string family)
    {
        var (json, podSpecPath) = Rendered(family);

        // Knative defaults container names (its schema does not require them) but requires the containers list.
        var missing = family == "KnativeService" ? "containers" : "containers[0].name";
        if (family == "KnativeService")
        {
            At(json, podSpecPath).AsObject().Remove("containers");
        }
        else
        {
            At(json, podSpecPath)["containers"]![0]!.AsObject().Remove("name");
        }

        var problems = Schemas.Validator.ValidateJson(json.ToJsonString());
        Assert.Contains(problems, p => p.Path == $"$.{podSpecPath}.{missing}" && p.Message == "missing required field");
    }

    [Fact]
    public void Custom_resources_reject_unknown_fields_at_the_top_of_their_spec_and_in_metadata()
    {
        var (json, _) = Rendered("RayCluster");
        json["spec"]!["headGroupSpec"]!["replicas"] = 1;
        json["metadata"]!["labelz"] = new JsonObject();

        var problems = Schemas.Validator.ValidateJson(json.ToJsonString()).Select(p => p.Path).ToList();
        Assert.Equal(["$.metadata.labelz", "$.spec.headGroupSpec.replicas"], problems.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Required_fields_of_custom_resources_and_quantity_patterns_are_enforced()
    {
        var (json, _) = Rendered("RayCluster");
        json["spec"]!["workerGroupSpecs"]![0]!.AsObject().Remove("groupName");
        json["spec"]!["headGroupSpec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["requests"]!["cpu"] = "lots";

        var problems = Schemas.Validator.ValidateJson(json.ToJsonString());
        Assert.Contains(problems, p => p.Path == "$.spec.workerGroupSpecs[0].groupName" && p.Message == "missing required field");
        Assert.Contains(problems, p => p.Path == "$.spec.headGroupSpec.template.spec.containers[0].resources.requests.cpu" && p.Message.Contains("pattern", StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicate_names_in_associative_lists_are_reported()
    {
        var (json, podSpecPath) = Rendered("Deployment");
        var env = At(json, podSpecPath)["containers"]![0]!["env"]!.AsArray();
        env.Add(new JsonObject { ["name"] = "KT_SERVICE", ["value"] = "again" });

        var problem = Assert.Single(Schemas.Validator.ValidateJson(json.ToJsonString()));
        Assert.StartsWith($"$.{podSpecPath}.containers[0].env[", problem.Path, StringComparison.Ordinal);
        Assert.Contains("duplicate entry", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Int_or_string_fields_accept_both_and_reject_other_types()
    {
        var (json, podSpecPath) = Rendered("Deployment");
        var probe = At(json, podSpecPath)["containers"]![0]!["livenessProbe"]!["httpGet"]!;
        probe["port"] = "http";
        Assert.Empty(Schemas.Validator.ValidateJson(json.ToJsonString()));

        probe["port"] = true;
        var problem = Assert.Single(Schemas.Validator.ValidateJson(json.ToJsonString()));
        Assert.Contains("integer or string", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Root_identity_fields_are_required_and_unknown_kinds_are_reported()
    {
        Assert.Equal(["$.apiVersion", "$.kind", "$.metadata.name"], Schemas.Validator.ValidateJson("{}").Select(p => p.Path));
        var problem = Assert.Single(Schemas.Validator.ValidateJson("""{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"}}"""));
        Assert.Contains("no schema", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ensure_valid_throws_kt5301_listing_every_problem()
    {
        var (json, podSpecPath) = Rendered("Deployment");
        At(json, podSpecPath)["hostnetwork"] = true;
        At(json, podSpecPath)["priority"] = "high";

        var error = Assert.Throws<SchemaValidationException>(() => Schemas.Validator.EnsureValid(json));
        Assert.Equal("KT5301", error.Code);
        Assert.Equal(2, error.Problems.Count);
        Assert.Contains("$.spec.template.spec.hostnetwork", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_schema_folder_is_found_beside_the_repository_and_missing_folders_are_explained()
    {
        Assert.True(File.Exists(Path.Combine(SchemaLocator.Find(), "kubernetes-v1.32", "api__v1_openapi.json")));
        var empty = Directory.CreateTempSubdirectory("kt-no-schemas");
        try
        {
            if (Environment.GetEnvironmentVariable(SchemaLocator.EnvironmentVariable) is null && !Directory.Exists("/shared/schemas"))
            {
                var error = Assert.Throws<Core.KtException>(() => SchemaLocator.Find(empty.FullName));
                Assert.Equal("KT5302", error.Code);
                Assert.Contains("shared/schemas", error.Message, StringComparison.Ordinal);
            }
        }
        finally
        {
            empty.Delete();
        }
    }

    private static (JsonObject Json, string PodSpecPath) Rendered(string family)
    {
        var context = Samples.Context();
        return family switch
        {
            "Deployment" => (ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu(), context)[1]), "spec.template.spec"),
            "KnativeService" => (ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu() with { Autoscale = new Autoscale(Max: 2) }, context)[0]), "spec.template.spec"),
            "RayCluster" => (ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu() with { Distribute = Distribute.Of("ray", 2) }, context)[1]), "spec.headGroupSpec.template.spec"),
            "StatefulSet" => (ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu() with { Distribute = Distribute.Of("spmd", 2) }, context)[2]), "spec.template.spec"),
            // A Service has no pod spec: wrap the same three checks around a Pod, the core/v1 family's other member.
            "Service" => (PodOf(ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu(), context)[1])), "spec"),
            _ => throw new ArgumentOutOfRangeException(nameof(family)),
        };
    }

    private static JsonObject PodOf(JsonObject deployment) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Pod",
        ["metadata"] = new JsonObject { ["name"] = "p" },
        ["spec"] = deployment["spec"]!["template"]!["spec"]!.DeepClone(),
    };

    private static JsonNode At(JsonObject json, string dottedPath) =>
        dottedPath.Split('.').Aggregate((JsonNode)json, (node, part) => node[part]!);
}
