using System.Collections;
using System.Text.Json.Nodes;
using Kt.Core;
using Kt.Kubernetes.Model;
using Kt.Kubernetes.Rendering;
using Kt.PodRuntime.Protocol;

namespace Kt.Kubernetes.Tests;

/// <summary>
/// Every workload shape starts the runtime with the launch record the renderer built, written by its one writer: read
/// back from the container's arguments and literal environment by the runtime's one reader, it is the same record.
/// What only a running pod knows comes from the downward API, under the reader's names.
/// </summary>
public sealed class RuntimeLaunchRenderingTests
{
    public static TheoryData<string> Shapes => ["deployment", "spmd", "frozen", "knative", "ray"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_container_reads_back_as_the_launch_the_renderer_built(string shape)
    {
        var (compute, context) = Case(shape);
        var expected = PodTemplateBuilder.Launch(compute, context);
        var containers = ManifestRenderer.Render(compute, context).Select(ManifestJson.ToNode).SelectMany(Containers).ToList();
        Assert.NotEmpty(containers);

        foreach (var container in containers)
        {
            var arguments = container["args"]!.AsArray().Select(a => (string)a!).ToList();
            var env = container["env"]!.AsArray().Select(e => e!.AsObject()).ToList();
            var literal = new Hashtable();
            foreach (var variable in env.Where(e => e.ContainsKey("value")))
            {
                literal[(string)variable["name"]!] = (string?)variable["value"];
            }

            Assert.Equal(expected, RuntimeLaunch.Parse(arguments, literal));
            Assert.Equal(expected, RuntimeLaunch.Parse(expected.Write().Arguments, new Hashtable(expected.Write().Environment.ToDictionary())));
            string[] perPod = shape == "spmd"
                ? [RuntimeLaunch.Variables.Token, RuntimeLaunch.Variables.PodName, RuntimeLaunch.Variables.Rank, RuntimeLaunch.Variables.NodeRank]
                : [RuntimeLaunch.Variables.Token, RuntimeLaunch.Variables.PodName];
            Assert.Equal(perPod, env.Where(e => e.ContainsKey("valueFrom")).Select(e => (string)e["name"]!));
        }
    }

    private static (Compute, RenderContext) Case(string shape)
    {
        var compute = Samples.Cpu();
        var context = Samples.Context();
        return shape switch
        {
            // As the dev loop's Kubernetes backend renders it: a peer to catch up from, a setup epoch.
            "deployment" => (compute with { Replicas = 2 }, context with
            {
                Launch = PodRuntimeLayout.Live() with { Peer = "http://hello.team-a.svc.cluster.local:32300/", SetupEpoch = "2" },
            }),
            "spmd" => (compute with { Distribute = Distribute.Of("spmd", 3) }, context),
            "frozen" => (compute with { Image = "registry.local/kt/app@" + Samples.Digest }, context with
            {
                DevMode = false,
                Launch = PodRuntimeLayout.Frozen("/srv/app"),
            }),
            "knative" => (compute with { Autoscale = new Autoscale(Min: 1, Max: 3) }, context),
            "ray" => (compute with { Distribute = Distribute.Of("ray", 2) }, context),
            _ => throw new ArgumentOutOfRangeException(nameof(shape)),
        };
    }

    private static IEnumerable<JsonObject> Containers(JsonNode? node) => node switch
    {
        JsonObject o when o["containers"] is JsonArray containers => containers.Select(c => c!.AsObject())
            .Concat(o.Where(p => p.Key != "containers").SelectMany(p => Containers(p.Value))),
        JsonObject o => o.SelectMany(p => Containers(p.Value)),
        JsonArray a => a.SelectMany(Containers),
        _ => [],
    };
}
