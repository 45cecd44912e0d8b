using System.Collections;
using Kt.DevLoop.Backends;
using Kt.PodRuntime.Protocol;

namespace Kt.DevLoop.Tests;

/// <summary>
/// The process and Docker backends start every rank from a launch record: written by its one writer and read back by
/// the runtime's one reader, it is the same record, identity included (the Kubernetes renderer's:
/// Kt.Kubernetes.Tests' RuntimeLaunchRenderingTests).
/// </summary>
public sealed class RuntimeLaunchTests
{
    private static readonly ServiceSpec Spec = new() { Service = "ranks", Replicas = 3 };

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void A_process_rank_reads_back_as_the_launch_the_backend_built(int rank)
    {
        var launch = ProcessBackend.Launch(Spec, rank, "/tmp/kt/root", "/tmp/kt/port", "/tmp/kt/token", 41234);

        Assert.Equal(launch, RoundTrip(launch, LaunchStyle.CommandLine));
        Assert.Contains("--world-size", launch.Write(LaunchStyle.CommandLine).Arguments); // what RuntimeProcesses finds again
        Assert.Equal(("ranks", "ranks-" + rank, 3, rank, "127.0.0.1", 41234), (launch.Service, launch.PodName, launch.WorldSize, launch.Rank, launch.MasterAddr, launch.MasterPort));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void A_docker_rank_reads_back_as_the_launch_the_backend_built_in_the_frozen_image_layout(int rank)
    {
        var launch = DockerBackend.Launch(Spec, rank);

        Assert.Equal(launch, RoundTrip(launch, LaunchStyle.Container));
        Assert.Equal((PodRuntimeLayout.DataRoot, DockerBackend.ContainerName("ranks", rank), rank, DockerBackend.ContainerName("ranks", 0)),
            (launch.Root, launch.PodName, launch.Rank, launch.MasterAddr));
    }

    private static RuntimeLaunch RoundTrip(RuntimeLaunch launch, LaunchStyle style)
    {
        var line = launch.Write(style);
        return RuntimeLaunch.Parse(line.Arguments, new Hashtable(line.Environment.ToDictionary()));
    }
}
