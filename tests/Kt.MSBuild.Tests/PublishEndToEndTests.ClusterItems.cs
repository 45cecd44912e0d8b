using System.Text.Json.Nodes;
using Kt.Core;
using Kt.Kubernetes;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;

namespace Kt.MSBuild.Tests;

/// <summary>Cluster items as a user writes them in a csproj, through a real <c>dotnet build</c> of the packed tasks (same packed fixture).</summary>
public sealed partial class PublishEndToEndTests
{
    [Fact]
    public void KtAutoscale_TargetPerPod_builds_and_becomes_the_knative_target_while_Target_is_refused_by_MSBuild_itself()
    {
        var project = fixture.CreateConsoleProject("Autoscaled", "<KtCompute>kubernetes</KtCompute><KtService>autoscaled</KtService>",
            """<KtAutoscale Include="knative" Min="1" Max="4" TargetPerPod="4" />""");

        var build = fixture.Dotnet(project, "build", "-c", "Release");

        Assert.True(build.ExitCode == 0, build.Output);
        var definition = ProjectDefinitionFile.Read(Path.Combine(project, "obj", "Release", "net10.0", "kt.definition.json"), "KT6004");
        var compute = ProjectCompute.From(definition, $"registry.local/kt/autoscaled@sha256:{new string('0', 64)}");
        var knative = ManifestJson.ToNode(ManifestRenderer.Render(compute, RenderContext.ForPodRuntime()).Single(m => ManifestJson.Identify(m).ApiVersion == "serving.knative.dev/v1"));
        var annotations = knative["spec"]!["template"]!["metadata"]!["annotations"]!.AsObject();
        Assert.Equal("4", (string?)annotations["autoscaling.knative.dev/target"]);
        Assert.Equal(("1", "4"), ((string?)annotations["autoscaling.knative.dev/min-scale"], (string?)annotations["autoscaling.knative.dev/max-scale"]));

        // What the issue hit: "Target" is reserved item metadata, so no task of Kt ever sees it.
        var reserved = fixture.CreateConsoleProject("Reserved", "<KtCompute>kubernetes</KtCompute>", """<KtAutoscale Include="knative" Target="4" />""");
        var refused = fixture.Dotnet(reserved, "build", "-c", "Release");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("MSB4066", refused.Output, StringComparison.Ordinal);
    }
}
