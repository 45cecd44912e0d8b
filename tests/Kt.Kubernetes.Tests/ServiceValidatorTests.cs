using System.Text.Json.Nodes;
using Kt.Kubernetes.Rendering;

namespace Kt.Kubernetes.Tests;

public class ServiceValidatorTests
{
    [Fact]
    public void A_core_v1_service_with_an_unknown_field_a_wrong_type_and_a_missing_port_is_rejected_on_each()
    {
        var service = ManifestJson.ToNode(ManifestRenderer.Render(Samples.Cpu(), Samples.Context())[0]);
        service["spec"]!["clusterIp"] = "None";
        service["spec"]!["ports"]![0]!["targetPort"] = 1.5;
        service["spec"]!["ports"]!.AsArray().Add(new JsonObject { ["name"] = "metrics" });

        var problems = Schemas.Validator.ValidateJson(service.ToJsonString()).ToDictionary(p => p.Path, p => p.Message);
        Assert.StartsWith("unknown field", problems["$.spec.clusterIp"], StringComparison.Ordinal);
        Assert.StartsWith("wrong type", problems["$.spec.ports[0].targetPort"], StringComparison.Ordinal);
        Assert.Equal("missing required field", problems["$.spec.ports[1].port"]);
    }
}
